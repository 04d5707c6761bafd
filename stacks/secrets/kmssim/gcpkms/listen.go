package gcpkms

import (
	"context"
	"net/http"
	"strings"

	"google.golang.org/grpc"

	"github.com/infrago/infra/internal/simserve"
)

// Listening is a simulator served on a TCP address: gRPC (at Addr) and REST (at URL) on the same port.
type Listening = simserve.Listening

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
	return simserve.Listen(ctx, addr, mux, simserve.Options{Name: "gcpkms simulator", TLS: o.TLS, H2C: true,
		OnClose: func() error { gs.Stop(); return nil }})
}
