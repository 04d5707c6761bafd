package gcpkms

import (
	"context"
	"net/http"
	"strings"

	"google.golang.org/grpc"

	"github.com/infrago/infra/internal/simserve"
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

	l *simserve.Listening
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
	l, err := simserve.Listen(ctx, addr, mux, simserve.Options{Name: "gcpkms simulator", TLS: o.TLS, H2C: true,
		OnClose: func() error { gs.Stop(); return nil }})
	if err != nil {
		return nil, err
	}
	return &Listening{Addr: l.Addr, URL: l.URL, CACert: l.CACert, CACertFile: l.CACertFile, l: l}, nil
}

// Close stops serving, removes the certificate file and returns the error that ended the server, if any. It may
// be called more than once.
func (l *Listening) Close() error { return l.l.Close() }
