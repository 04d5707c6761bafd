// Package simserve serves a simulator's http.Handler on a TCP address for as long as a context lives. Every
// simulator in the tree (the clouds' and the KMS ones) is started through it, so that they stop, report the error
// that ended them and hand out their endpoints the same way. ServeControl and Duration are the /_sim/ control
// endpoints and the fault-setting durations a simulator shares with the others.
package simserve

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Options configure Listen.
type Options struct {
	// Name names the simulator in errors ("aws simulator").
	Name string
	// TLS serves with a fresh self-signed certificate for 127.0.0.1, ::1 and localhost instead of plain text.
	TLS bool
	// H2C also accepts HTTP/2 without TLS (prior knowledge), as gRPC clients with insecure credentials speak it.
	H2C bool
	// OnClose runs once when the listener stops, after the server has; its error is returned by Close.
	OnClose func() error
}

// Listening is a handler served on a TCP address.
type Listening struct {
	// Addr is host:port, the form gRPC clients take.
	Addr string
	// URL is http://Addr, or https://Addr with TLS: the endpoint to give REST clients.
	URL string
	// CACert is the PEM certificate of a TLS listener (nil in plain text), to add to a client's roots.
	CACert []byte
	// CACertFile is CACert written to a file, for SSL_CERT_FILE ("" in plain text); Close removes it.
	CACertFile string

	srv     *http.Server
	err     chan error
	done    chan struct{}
	once    sync.Once
	cerr    error
	dir     string
	onClose func() error
}

// Listen serves h on addr (e.g. "127.0.0.1:0" for a free loopback port) until ctx is done or Close is called.
func Listen(ctx context.Context, addr string, h http.Handler, o Options) (*Listening, error) {
	name := o.Name
	if name == "" {
		name = "simulator"
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	if o.H2C || o.TLS {
		var protocols http.Protocols
		protocols.SetHTTP1(true)
		protocols.SetHTTP2(true)
		protocols.SetUnencryptedHTTP2(o.H2C && !o.TLS)
		srv.Protocols = &protocols
	}
	l := &Listening{srv: srv, err: make(chan error, 1), done: make(chan struct{}), onClose: o.OnClose}
	if o.TLS {
		cert, pemBytes, err := selfSigned(name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		dir, err := os.MkdirTemp("", "infra-sim-")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		l.dir, l.CACert, l.CACertFile = dir, pemBytes, filepath.Join(dir, "ca.pem")
		if err := os.WriteFile(l.CACertFile, pemBytes, 0o644); err != nil {
			_ = os.RemoveAll(dir)
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		if l.dir != "" {
			_ = os.RemoveAll(l.dir)
		}
		return nil, fmt.Errorf("%s: listen on %s: %w", name, addr, err)
	}
	l.Addr = ln.Addr().String()
	l.URL = "http://" + l.Addr
	if o.TLS {
		l.URL = "https://" + l.Addr
	}
	go func() {
		var err error
		if o.TLS {
			err = srv.ServeTLS(ln, "", "")
		} else {
			err = srv.Serve(ln)
		}
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		l.err <- err
	}()
	go func() {
		select {
		case <-ctx.Done():
			_ = l.Close()
		case <-l.done:
		}
	}()
	return l, nil
}

// Close stops serving and returns the error that ended the server, if any. It may be called more than once.
func (l *Listening) Close() error {
	l.once.Do(func() {
		close(l.done)
		_ = l.srv.Close()
		l.cerr = <-l.err
		if l.onClose != nil {
			if err := l.onClose(); err != nil && l.cerr == nil {
				l.cerr = err
			}
		}
		if l.dir != "" {
			if err := os.RemoveAll(l.dir); err != nil && l.cerr == nil {
				l.cerr = err
			}
		}
	})
	return l.cerr
}

// Done is closed once the listener has been told to stop.
func (l *Listening) Done() <-chan struct{} { return l.done }

// selfSigned makes a certificate for the loopback names that is its own CA.
func selfSigned(name string) (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("generate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("generate serial: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(7 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("create certificate: %w", err)
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pemBytes, nil
}
