/* test_sniff.c - unit tests for dissectors/tls/tls_sniff.c: what the first bytes of a stream are. */
#include <string.h>

#include "check.h"
#include "dissectors/dissect.h"

static bool sniff(const char *bytes, size_t len, char *out, size_t outlen)
{
    return td_sniff_plaintext((const uint8_t *)bytes, len, out, outlen);
}
#define SNIFF(s, out) sniff((s), sizeof(s) - 1, (out), sizeof(out))

TEST(tls_records_are_recognised)
{
    static const uint8_t hello[] = { 0x16, 0x03, 0x01, 0x00, 0x05 };
    static const uint8_t alert[] = { 0x15, 0x03, 0x03, 0x00, 0x02 };
    static const uint8_t http[] = { 'G', 'E', 'T', ' ', '/' };
    CHECK(td_sniff_tls(hello, sizeof hello));
    CHECK(td_sniff_tls(alert, sizeof alert));
    CHECK(!td_sniff_tls(http, sizeof http));
    CHECK(!td_sniff_tls(hello, 2));           /* too short to say yes */
    CHECK(!td_sniff_tls(NULL, 0));
}

TEST(known_protocols_are_named_with_their_first_line)
{
    char out[128];
    CHECK(SNIFF("GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n", out));
    CHECK_STR(out, "HTTP request: GET /index.html HTTP/1.1");
    CHECK(SNIFF("HTTP/1.1 400 Bad Request\r\nServer: nginx\r\n", out));
    CHECK_STR(out, "HTTP response: HTTP/1.1 400 Bad Request");
    CHECK(SNIFF("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n", out));
    CHECK_STR(out, "SSH banner: SSH-2.0-OpenSSH_9.2p1 Debian-2");
    CHECK(SNIFF("220 mail.example.com ESMTP Postfix\r\n", out));
    CHECK_STR(out, "text protocol reply: 220 mail.example.com ESMTP Postfix");
    CHECK(SNIFF("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", out));
    CHECK_STR(out, "HTTP request: PRI * HTTP/2.0");
}

/* An unknown protocol that is printable text is shown as text, not as hex. */
TEST(printable_unknown_bytes_are_shown_as_text)
{
    char out[128];
    CHECK(!SNIFF("hello from a custom daemon\n", out));
    CHECK_STR(out, "text: hello from a custom daemon");
    CHECK(!SNIFF("\x01\x02\x03\x04\xff", out));
    CHECK_STR(out, "non-TLS bytes: 01 02 03 04 ff");
    CHECK(!SNIFF("ab\x01", out));                         /* printable run too short: hex */
    CHECK_STR(out, "non-TLS bytes: 61 62 01");
}

/* The description always fits the buffer and is terminated, whatever the input. */
TEST(output_is_bounded)
{
    char small[12];
    CHECK(SNIFF("GET /a/very/long/path/that/does/not/fit HTTP/1.1\r\n", small));
    CHECK(strlen(small) == sizeof small - 1);
    CHECK(strncmp(small, "HTTP reques", sizeof small - 1) == 0);
    char out[64];
    CHECK(!sniff(NULL, 5, out, sizeof out));
    CHECK_STR(out, "non-TLS bytes:");
    CHECK(!sniff("x", 1, NULL, 0));
}

int main(void)
{
    RUN(tls_records_are_recognised);
    RUN(known_protocols_are_named_with_their_first_line);
    RUN(printable_unknown_bytes_are_shown_as_text);
    RUN(output_is_bounded);
    return check_done();
}
