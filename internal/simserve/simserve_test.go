package simserve

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
)

func hello(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, r.Proto) }

func TestListenPlainAndTLS(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		opts   Options
		scheme string
	}{
		{"plain", Options{Name: "test sim"}, "http://"},
		{"tls", Options{Name: "test sim", TLS: true}, "https://"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l, err := Listen(context.Background(), "127.0.0.1:0", http.HandlerFunc(hello), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			if !strings.HasPrefix(l.URL, tc.scheme) || !strings.HasSuffix(l.URL, l.Addr) {
				t.Fatalf("URL %q does not match scheme %q and addr %q", l.URL, tc.scheme, l.Addr)
			}
			client := http.DefaultClient
			if tc.opts.TLS {
				pool := x509.NewCertPool()
				if !pool.AppendCertsFromPEM(l.CACert) {
					t.Fatal("CACert is not a PEM certificate")
				}
				onDisk, err := os.ReadFile(l.CACertFile)
				if err != nil || string(onDisk) != string(l.CACert) {
					t.Fatalf("CACertFile %s does not hold CACert: %v", l.CACertFile, err)
				}
				client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
			} else if l.CACert != nil || l.CACertFile != "" {
				t.Fatal("plain listener has a certificate")
			}
			resp, err := client.Get(l.URL)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if err := l.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if tc.opts.TLS {
				if _, err := os.Stat(l.CACertFile); !errors.Is(err, os.ErrNotExist) {
					t.Fatalf("Close left %s behind: %v", l.CACertFile, err)
				}
			}
			if _, err := http.Get("http://" + l.Addr); err == nil {
				t.Fatal("listener still serves after Close")
			}
		})
	}
}

func TestContextStopsListenerAndRunsOnClose(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	closed := make(chan struct{})
	want := errors.New("grpc stop failed")
	l, err := Listen(ctx, "127.0.0.1:0", http.HandlerFunc(hello), Options{OnClose: func() error { close(closed); return want }})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	<-l.Done()
	<-closed
	if err := l.Close(); !errors.Is(err, want) {
		t.Fatalf("Close after cancel = %v, want the OnClose error", err)
	}
}

func TestListenBadAddressNamesSimulator(t *testing.T) {
	t.Parallel()
	_, err := Listen(context.Background(), "256.0.0.1:bad", http.HandlerFunc(hello), Options{Name: "gcp simulator", TLS: true})
	if err == nil || !strings.Contains(err.Error(), "gcp simulator") || !strings.Contains(err.Error(), "256.0.0.1:bad") {
		t.Fatalf("err = %v, want one naming the simulator and address", err)
	}
}
