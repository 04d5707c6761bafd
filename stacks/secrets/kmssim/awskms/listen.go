package awskms

import (
	"context"

	"github.com/infrago/infra/internal/simserve"
)

// Listening is a simulator served on a TCP address.
type Listening struct {
	// URL is the endpoint to give clients (AWS_ENDPOINT_URL_KMS), e.g. http://127.0.0.1:41234.
	URL string

	l *simserve.Listening
}

// Listen serves the simulator on addr (e.g. "127.0.0.1:0" for a free loopback port) until ctx is done or Close is
// called.
func (s *Server) Listen(ctx context.Context, addr string) (*Listening, error) {
	l, err := simserve.Listen(ctx, addr, s, simserve.Options{Name: "awskms simulator"})
	if err != nil {
		return nil, err
	}
	return &Listening{URL: l.URL, l: l}, nil
}

// Close stops serving and returns the error that ended the server, if any. It may be called more than once.
func (l *Listening) Close() error { return l.l.Close() }
