package awskms

import (
	"context"

	"github.com/infrago/infra/internal/simserve"
)

// Listening is a simulator served on a TCP address; its URL is the endpoint to give clients (AWS_ENDPOINT_URL_KMS).
type Listening = simserve.Listening

// Listen serves the simulator on addr (e.g. "127.0.0.1:0" for a free loopback port) until ctx is done or Close is
// called.
func (s *Server) Listen(ctx context.Context, addr string) (*Listening, error) {
	return simserve.Listen(ctx, addr, s, simserve.Options{Name: "awskms simulator"})
}
