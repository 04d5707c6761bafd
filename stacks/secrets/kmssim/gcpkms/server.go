package gcpkms

import (
	"fmt"
	"regexp"
	"sync"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/infrago/infra/stacks/secrets/kmssim/internal/keycrypt"
)

// Options configure a simulator.
type Options struct {
	// Tokens, if not nil, are the OAuth access tokens the simulator accepts, and every request must carry one as a
	// bearer token. With nil, any token is accepted, and so is a request without one.
	Tokens []string
	// Seed derives the keys' secrets (32 random bytes if empty). A simulator restarted with the same seed and the
	// same key names decrypts what it encrypted before.
	Seed []byte
	// Now returns the current time (time.Now if nil).
	Now func() time.Time
}

// Server is the simulator. Its methods are safe for concurrent use.
type Server struct {
	opts   Options
	seed   []byte
	tokens map[string]bool

	mu       sync.Mutex
	keyRings map[string]time.Time // name -> create time
	keys     map[string]*cryptoKey
	faults   map[string][]fault
}

type cryptoKey struct {
	name    string
	created time.Time
	enabled bool
	secret  []byte
	// allowed lists the tokens that may use the key; nil allows every caller.
	allowed map[string]bool
}

type fault struct {
	code codes.Code
	msg  string
}

// New returns a simulator with no keys.
func New(opts Options) (*Server, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	seed := opts.Seed
	if len(seed) == 0 {
		s, err := keycrypt.NewSeed()
		if err != nil {
			return nil, fmt.Errorf("gcpkms simulator: %w", err)
		}
		seed = s
	}
	s := &Server{
		opts:     opts,
		seed:     append([]byte(nil), seed...),
		keyRings: map[string]time.Time{},
		keys:     map[string]*cryptoKey{},
		faults:   map[string][]fault{},
	}
	if opts.Tokens != nil {
		s.tokens = map[string]bool{}
		for _, t := range opts.Tokens {
			s.tokens[t] = true
		}
	}
	return s, nil
}

var (
	idPattern        = `[a-zA-Z0-9_-]{1,63}`
	keyRingPattern   = regexp.MustCompile(`^projects/` + idPattern + `/locations/` + idPattern + `/keyRings/` + idPattern + `$`)
	cryptoKeyPattern = regexp.MustCompile(`^(projects/` + idPattern + `/locations/` + idPattern + `/keyRings/` + idPattern + `)/cryptoKeys/` + idPattern + `$`)
	versionPattern   = regexp.MustCompile(`^(projects/` + idPattern + `/locations/` + idPattern + `/keyRings/` + idPattern + `/cryptoKeys/` + idPattern + `)/cryptoKeyVersions/([0-9]{1,9})$`)
	resourceIDRe     = regexp.MustCompile(`^` + idPattern + `$`)
)

// CreateCryptoKey creates a symmetric encryption key (and its key ring, if needed) named
// projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>.
func (s *Server) CreateCryptoKey(name string) error {
	m := cryptoKeyPattern.FindStringSubmatch(name)
	if m == nil {
		return fmt.Errorf("create crypto key: invalid name %q (want projects/P/locations/L/keyRings/R/cryptoKeys/K)", name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keyRings[m[1]]; !ok {
		s.keyRings[m[1]] = s.opts.Now().UTC()
	}
	_, err := s.createKeyLocked(name)
	return err
}

func (s *Server) createKeyLocked(name string) (*cryptoKey, error) {
	if _, dup := s.keys[name]; dup {
		return nil, fmt.Errorf("crypto key %s exists already", name)
	}
	secret, err := keycrypt.KeySecret(s.seed, name, nil)
	if err != nil {
		return nil, err
	}
	k := &cryptoKey{name: name, created: s.opts.Now().UTC(), enabled: true, secret: secret}
	s.keys[name] = k
	return k, nil
}

// SetEnabled enables or disables a key's primary version.
func (s *Server) SetEnabled(name string, enabled bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[name]
	if !ok {
		return fmt.Errorf("no crypto key %s", name)
	}
	k.enabled = enabled
	return nil
}

// SetAccess restricts a key to callers presenting one of the given access tokens (none: every caller again).
func (s *Server) SetAccess(name string, tokens ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[name]
	if !ok {
		return fmt.Errorf("no crypto key %s", name)
	}
	if len(tokens) == 0 {
		k.allowed = nil
		return nil
	}
	k.allowed = map[string]bool{}
	for _, t := range tokens {
		k.allowed[t] = true
	}
	return nil
}

// InjectError makes the next times calls of method (e.g. "Decrypt") fail with code and message, to test retries
// and error handling.
func (s *Server) InjectError(method string, code codes.Code, message string, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range times {
		s.faults[method] = append(s.faults[method], fault{code: code, msg: message})
	}
}

func (s *Server) takeFault(method string) (fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fs := s.faults[method]
	if len(fs) == 0 {
		return fault{}, false
	}
	s.faults[method] = fs[1:]
	return fs[0], true
}

// trimVersion maps a key version name to its key's name and version number ("" for a key name).
func trimVersion(name string) (key, version string) {
	if m := versionPattern.FindStringSubmatch(name); m != nil {
		return m[1], m[2]
	}
	return name, ""
}
