// qcli: a QUIC client on quic-go (Debian's golang-github-lucas-clemente-quic-go-dev 0.29) for the
// captures that ngtcp2's example client cannot make: it offers the ALPN it is told, and it verifies
// the server's certificate against -ca (Go's crypto/tls rules). It completes the handshake, prints
// the ALPN the server chose and closes with application error 0, or prints the error. The TLS
// secrets go to -keylog (SSLKEYLOGFILE format).
//
// Build: GO111MODULE=off GOPATH=/usr/share/gocode go build -o qcli qcli.go
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"os"
	"time"

	quic "github.com/lucas-clemente/quic-go"
)

func main() {
	addr := flag.String("addr", "", "server address host:port")
	sni := flag.String("sni", "", "server name (SNI, and the name the certificate must hold)")
	alpn := flag.String("alpn", "h3", "the one ALPN protocol offered")
	ca := flag.String("ca", "", "PEM file of the trusted roots")
	keylog := flag.String("keylog", "", "key log file (appended to)")
	flag.Parse()

	cfg := &tls.Config{ServerName: *sni, NextProtos: []string{*alpn}}
	if *ca != "" {
		pem, err := os.ReadFile(*ca)
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(2)
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		cfg.RootCAs = pool
	}
	if *keylog != "" {
		f, err := os.OpenFile(*keylog, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(2)
		}
		defer f.Close()
		cfg.KeyLogWriter = f
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := quic.DialAddrContext(ctx, *addr, cfg, &quic.Config{HandshakeIdleTimeout: 4 * time.Second})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("ok, ALPN", conn.ConnectionState().TLS.NegotiatedProtocol)
	conn.CloseWithError(0, "")
}
