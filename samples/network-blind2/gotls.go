// gotls: the Go (crypto/tls, net/http) server and client of make.sh.
//   gotls server ADDR:PORT CERT KEY [CERT KEY]...   HTTPS: GET /small.txt, GET /big.bin (192 KB),
//                                                   POST /upload (reads the whole body, answers "received")
//   gotls get URL [SNI-HOST]                       GET, 5 s timeout, certificate not checked
//   gotls post URL BYTES                           POST BYTES bytes, 5 s timeout
package main

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

const body = 196608

func main() {
	switch os.Args[1] {
	case "server":
		var certs []tls.Certificate
		for i := 3; i+1 < len(os.Args); i += 2 {
			c, err := tls.LoadX509KeyPair(os.Args[i], os.Args[i+1])
			if err != nil {
				panic(err)
			}
			certs = append(certs, c)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/small.txt", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "small blind2 page\n") })
		mux.HandleFunc("/big.bin", func(w http.ResponseWriter, r *http.Request) { w.Write(bytes.Repeat([]byte("g"), body)) })
		mux.HandleFunc("/upload", func(w http.ResponseWriter, r *http.Request) {
			n, _ := io.Copy(io.Discard, r.Body)
			fmt.Fprintf(w, "received %d\n", n)
		})
		ln, err := net.Listen("tcp", os.Args[2])
		if err != nil {
			panic(err)
		}
		srv := &http.Server{Handler: mux, TLSConfig: &tls.Config{Certificates: certs},
			ErrorLog: nil}
		// Go picks the certificate whose names match the SNI (the first one otherwise)
		panic(srv.ServeTLS(ln, "", ""))
	case "get", "post":
		tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, ForceAttemptHTTP2: false}
		if len(os.Args) > 3 && os.Args[1] == "get" {
			tr.TLSClientConfig.ServerName = os.Args[3]
		}
		cl := &http.Client{Transport: tr, Timeout: 5 * time.Second}
		var resp *http.Response
		var err error
		if os.Args[1] == "get" {
			resp, err = cl.Get(os.Args[2])
		} else {
			var n int
			fmt.Sscan(os.Args[3], &n)
			resp, err = cl.Post(os.Args[2], "application/octet-stream", bytes.NewReader(bytes.Repeat([]byte("p"), n)))
		}
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		fmt.Println(resp.Status, n, "bytes", err)
		if err != nil {
			os.Exit(1)
		}
	}
}
