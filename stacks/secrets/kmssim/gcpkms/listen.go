package gcpkms

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
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
)

// Listening is a simulator served on a TCP address: gRPC and REST on the same port.
type Listening struct {
	// Addr is host:port, the form gRPC clients and SOPS_GCP_KMS_ENDPOINT take for gRPC.
	Addr string
	// URL is http://Addr or https://Addr, the form REST clients take.
	URL string
	// CACert is the PEM certificate of a TLS listener (nil in plain text), to add to a client's roots.
	CACert []byte
	// CACertFile is CACert written to a file, for SSL_CERT_FILE ("" in plain text).
	CACertFile string

	srv  *http.Server
	grpc *grpc.Server
	err  chan error
	dir  string

	done     chan struct{}
	once     sync.Once
	closeErr error
}

// ListenOptions configure Listen.
type ListenOptions struct {
	// TLS serves with a fresh self-signed certificate for 127.0.0.1, ::1 and localhost instead of plain text.
	TLS bool
}

// Listen serves the simulator on addr (e.g. "127.0.0.1:0") until ctx is done or Close is called. In plain text,
// gRPC clients must use HTTP/2 with prior knowledge (as grpc-go does with insecure credentials); REST clients use
// HTTP/1.1.
func (s *Server) Listen(ctx context.Context, addr string, o ListenOptions) (*Listening, error) {
	gs := grpc.NewServer()
	s.RegisterGRPC(gs)
	mux := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor == 2 && strings.HasPrefix(r.Header.Get("Content-Type"), "application/grpc") {
			gs.ServeHTTP(w, r)
			return
		}
		s.ServeREST(w, r)
	})
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetHTTP2(true)
	protocols.SetUnencryptedHTTP2(!o.TLS)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, Protocols: &protocols}

	l := &Listening{srv: srv, grpc: gs, err: make(chan error, 1), done: make(chan struct{})}
	if o.TLS {
		cert, pemBytes, err := selfSigned()
		if err != nil {
			return nil, fmt.Errorf("gcpkms simulator: %w", err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		dir, err := os.MkdirTemp("", "gcpkms-sim-")
		if err != nil {
			return nil, fmt.Errorf("gcpkms simulator: %w", err)
		}
		l.dir = dir
		l.CACert = pemBytes
		l.CACertFile = filepath.Join(dir, "ca.pem")
		if err := os.WriteFile(l.CACertFile, pemBytes, 0o644); err != nil {
			_ = os.RemoveAll(dir)
			return nil, fmt.Errorf("gcpkms simulator: %w", err)
		}
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		if l.dir != "" {
			_ = os.RemoveAll(l.dir)
		}
		return nil, fmt.Errorf("gcpkms simulator: listen on %s: %w", addr, err)
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

// Close stops serving, removes the certificate file and returns the error that ended the server, if any. It may
// be called more than once.
func (l *Listening) Close() error {
	l.once.Do(func() {
		close(l.done)
		_ = l.srv.Close()
		l.grpc.Stop()
		l.closeErr = <-l.err
		if l.dir != "" {
			if err := os.RemoveAll(l.dir); err != nil && l.closeErr == nil {
				l.closeErr = err
			}
		}
	})
	return l.closeErr
}

// selfSigned makes a certificate for the loopback names that is its own CA.
func selfSigned() (tls.Certificate, []byte, error) {
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
		Subject:               pkix.Name{CommonName: "gcpkms simulator"},
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
