// gocli: a small Go TLS client for the tlsdiag matrix.
// gocli -url URL [-ca ROOT] [-min 1.2] [-max 1.3] [-cert C -key K] [-keylog F] [-n N] [-noreq]
// -n N makes N connections in a row (new connection each time, one session cache: resumption);
// -noreq completes the handshake and closes without a request (health-check style).
package main

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"
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
	u := flag.String("url", "", "URL")
	ca := flag.String("ca", "", "trusted root (PEM)")
	min := flag.String("min", "1.2", "lowest TLS version")
	max := flag.String("max", "1.3", "highest TLS version")
	cert := flag.String("cert", "", "client certificate")
	key := flag.String("key", "", "client key")
	keylog := flag.String("keylog", os.Getenv("SSLKEYLOGFILE"), "NSS key log file")
	n := flag.Int("n", 1, "connections")
	noreq := flag.Bool("noreq", false, "handshake only")
	flag.Parse()
	cfg := &tls.Config{MinVersion: ver(*min), MaxVersion: ver(*max), ClientSessionCache: tls.NewLRUClientSessionCache(4)}
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
	if *cert != "" {
		kp, err := tls.LoadX509KeyPair(*cert, *key)
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(2)
		}
		cfg.Certificates = []tls.Certificate{kp}
	}
	if *keylog != "" {
		f, err := os.OpenFile(*keylog, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0600)
		if err == nil {
			cfg.KeyLogWriter = f
		}
	}
	pu, err := url.Parse(*u)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(2)
	}
	rc := 0
	for i := 0; i < *n; i++ {
		if *noreq {
			host := pu.Host
			if _, _, e := net.SplitHostPort(host); e != nil {
				host = net.JoinHostPort(host, "443")
			}
			c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", host, cfg)
			if err != nil {
				fmt.Println("error:", err)
				rc = 1
				continue
			}
			st := c.ConnectionState()
			fmt.Printf("handshake ok: version %x resumed %v\n", st.Version, st.DidResume)
			c.Close()
			continue
		}
		tr := &http.Transport{TLSClientConfig: cfg, DisableKeepAlives: true, ForceAttemptHTTP2: false}
		cl := &http.Client{Transport: tr, Timeout: 8 * time.Second}
		resp, err := cl.Get(*u)
		if err != nil {
			fmt.Println("error:", err)
			rc = 1
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Printf("HTTPSTATUS %d resumed %v\n%s\n", resp.StatusCode, resp.TLS != nil && resp.TLS.DidResume, body)
		tr.CloseIdleConnections()
		time.Sleep(300 * time.Millisecond)
	}
	os.Exit(rc)
}
