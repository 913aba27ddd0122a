// gosrv: a small Go net/http TLS server for the tlsdiag matrix.
// go run gosrv.go -cert CHAIN -key KEY [-min 1.2] [-max 1.3] [-auth none|optional|require] [-ca ROOT] [-keylog F]
package main

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"log"
	"net/http"
	"os"
)

func ver(s string) uint16 {
	switch s {
	case "1.2":
		return tls.VersionTLS12
	case "1.3":
		return tls.VersionTLS13
	}
	return 0
}

func main() {
	cert := flag.String("cert", "", "certificate chain (PEM)")
	key := flag.String("key", "", "private key (PEM)")
	min := flag.String("min", "1.2", "lowest TLS version")
	max := flag.String("max", "1.3", "highest TLS version")
	auth := flag.String("auth", "none", "client certificate: none, optional, require")
	ca := flag.String("ca", "", "CA for client certificates")
	keylog := flag.String("keylog", "", "NSS key log file")
	flag.Parse()
	kp, err := tls.LoadX509KeyPair(*cert, *key)
	if err != nil {
		log.Fatal(err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{kp}, MinVersion: ver(*min), MaxVersion: ver(*max)}
	if *ca != "" {
		pem, err := os.ReadFile(*ca)
		if err != nil {
			log.Fatal(err)
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		cfg.ClientCAs = pool
	}
	switch *auth {
	case "optional":
		cfg.ClientAuth = tls.VerifyClientCertIfGiven
	case "require":
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	if *keylog != "" {
		f, err := os.OpenFile(*keylog, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0600)
		if err != nil {
			log.Fatal(err)
		}
		cfg.KeyLogWriter = f
	}
	srv := &http.Server{
		Addr:      ":443",
		TLSConfig: cfg,
		// HTTP/1.1 only: an empty TLSNextProto map turns HTTP/2 off.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.Write([]byte("mx-hello go\n"))
		}),
	}
	log.Fatal(srv.ListenAndServeTLS("", ""))
}
