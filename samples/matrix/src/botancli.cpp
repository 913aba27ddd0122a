// botancli: Botan 2 TLS client for the tlsdiag matrix: one GET, printing the answer.
// botancli HOST CA
// The certificate check is Botan's own (TLS::Callbacks' default tls_verify_cert_chain: path,
// name, key usage, TLS::Policy's key and hash strengths), unlike `botan tls_client`, which prints
// the check's result and goes on whatever it is.  The policy is Botan's default but for
// revocation data, which it would otherwise demand.  Botan 2 speaks TLS 1.2 at most and writes no
// key log.
#include <botan/auto_rng.h>
#include <botan/certstor.h>
#include <botan/credentials_manager.h>
#include <botan/tls_callbacks.h>
#include <botan/tls_client.h>
#include <botan/tls_exceptn.h>
#include <botan/tls_policy.h>
#include <botan/tls_session_manager.h>
#include <botan/x509cert.h>
#include <iostream>
#include <netdb.h>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

namespace {

class Creds : public Botan::Credentials_Manager {
  public:
    explicit Creds(const std::string& ca) { store_.add_certificate(Botan::X509_Certificate(ca)); }
    std::vector<Botan::Certificate_Store*> trusted_certificate_authorities(const std::string&,
                                                                           const std::string&) override {
        return {&store_};
    }

  private:
    Botan::Certificate_Store_In_Memory store_;
};

// Botan's default policy wants revocation data (OCSP, CRL) for every certificate: none here
class Pol : public Botan::TLS::Policy {
  public:
    bool require_cert_revocation_info() const override { return false; }
};

class Cb : public Botan::TLS::Callbacks {
  public:
    int fd = -1;
    bool closed = false;
    void tls_emit_data(const uint8_t d[], size_t n) override {
        while (n > 0) {
            ssize_t w = ::send(fd, d, n, MSG_NOSIGNAL);
            if (w <= 0) throw std::runtime_error("send failed");
            d += w;
            n -= static_cast<size_t>(w);
        }
    }
    void tls_record_received(uint64_t, const uint8_t d[], size_t n) override {
        std::cout.write(reinterpret_cast<const char*>(d), static_cast<std::streamsize>(n));
    }
    void tls_alert(Botan::TLS::Alert a) override {
        std::cout << "botancli: alert received: " << a.type_string() << std::endl;
        if (a.type() == Botan::TLS::Alert::CLOSE_NOTIFY) closed = true;
    }
    bool tls_session_established(const Botan::TLS::Session& s) override {
        std::cout << "botancli: handshake ok " << s.version().to_string() << " "
                  << s.ciphersuite().to_string() << std::endl;
        return false;
    }
};

int dial(const std::string& host) {
    addrinfo hints{}, *res = nullptr;
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host.c_str(), "443", &hints, &res) != 0 || !res) throw std::runtime_error("cannot resolve " + host);
    int fd = ::socket(res->ai_family, res->ai_socktype, res->ai_protocol);
    if (fd < 0 || ::connect(fd, res->ai_addr, res->ai_addrlen) != 0) throw std::runtime_error("cannot connect");
    freeaddrinfo(res);
    return fd;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: botancli HOST CA" << std::endl;
        return 2;
    }
    const std::string host = argv[1];
    try {
        Botan::AutoSeeded_RNG rng;
        Botan::TLS::Session_Manager_Noop sessions;
        Creds creds(argv[2]);
        Pol policy;
        Cb cb;
        cb.fd = dial(host);
        Botan::TLS::Client client(cb, sessions, creds, policy, rng, Botan::TLS::Server_Information(host, 443),
                                  Botan::TLS::Protocol_Version::TLS_V12);
        bool sent = false;
        uint8_t buf[16384];
        while (!client.is_closed() && !cb.closed) {
            if (client.is_active() && !sent) {
                const std::string req = "GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
                client.send(req);
                sent = true;
            }
            ssize_t n = ::recv(cb.fd, buf, sizeof buf, 0);
            if (n <= 0) {
                std::cout << "botancli: connection closed by the server" << std::endl;
                break;
            }
            client.received_data(buf, static_cast<size_t>(n));
        }
        if (!client.is_closed()) client.close();
        ::close(cb.fd);
        return sent ? 0 : 1;
    } catch (const std::exception& e) {
        std::cout << "botancli: error: " << e.what() << std::endl;
        return 1;
    }
}
