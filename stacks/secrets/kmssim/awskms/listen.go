package awskms

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Listening is a simulator served on a TCP address.
type Listening struct {
	// URL is the endpoint to give clients (AWS_ENDPOINT_URL_KMS), e.g. http://127.0.0.1:41234.
	URL string
	srv *http.Server
	err chan error

	done     chan struct{}
	once     sync.Once
	closeErr error
}

// Listen serves the simulator on addr (e.g. "127.0.0.1:0" for a free loopback port) until ctx is done or Close is
// called.
func (s *Server) Listen(ctx context.Context, addr string) (*Listening, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("awskms simulator: listen on %s: %w", addr, err)
	}
	l := &Listening{
		URL: "http://" + ln.Addr().String(),
		srv: &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second},
		err: make(chan error, 1), done: make(chan struct{}),
	}
	go func() {
		err := l.srv.Serve(ln)
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
		l.closeErr = <-l.err
	})
	return l.closeErr
}
