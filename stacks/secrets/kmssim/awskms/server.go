package awskms

import (
	"crypto/rand"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/infrago/infra/stacks/secrets/kmssim/internal/keycrypt"
)

// Defaults for Options.
const (
	DefaultRegion    = "us-east-1"
	DefaultAccountID = "111122223333"
)

// Options configure a simulator.
type Options struct {
	// Region is the region of keys created without one (DefaultRegion if empty).
	Region string
	// AccountID is the account every key belongs to (DefaultAccountID if empty).
	AccountID string
	// Credentials, if not nil, maps the access key IDs the simulator knows to their secret keys, and every request
	// must carry a valid SigV4 signature by one of them. With nil, any access key is accepted and signatures are
	// not checked (the caller's access key is still read, for access lists).
	Credentials map[string]string
	// Seed derives the keys' secrets (32 random bytes if empty). A simulator restarted with the same seed, and the
	// same keys created with the same IDs, decrypts what it encrypted before.
	Seed []byte
	// Now returns the current time (time.Now if nil); SigV4 signatures more than 15 minutes off are refused.
	Now func() time.Time
}

// Key is a KMS key as the simulator's Go API reports it.
type Key struct {
	// ID is the key ID (a UUID).
	ID string
	// ARN is arn:aws:kms:<region>:<account>:key/<ID>.
	ARN string
	// Region is the region the key lives in.
	Region string
}

// Server is the simulator. It is an http.Handler and safe for concurrent use.
type Server struct {
	opts Options
	seed []byte

	mu      sync.Mutex
	keys    map[string]*key   // by ARN
	aliases map[string]string // alias ARN -> key ARN
	faults  map[string][]fault
}

type key struct {
	Key
	description string
	created     time.Time
	enabled     bool
	secret      []byte
	// allowed lists the access key IDs that may use the key; nil allows every caller.
	allowed map[string]bool
}

type fault struct {
	errType, message string
}

// New returns a simulator with no keys.
func New(opts Options) (*Server, error) {
	if opts.Region == "" {
		opts.Region = DefaultRegion
	}
	if opts.AccountID == "" {
		opts.AccountID = DefaultAccountID
	}
	if !regionPattern.MatchString(opts.Region) {
		return nil, fmt.Errorf("awskms simulator: invalid region %q", opts.Region)
	}
	if !accountPattern.MatchString(opts.AccountID) {
		return nil, fmt.Errorf("awskms simulator: invalid account ID %q (want 12 digits)", opts.AccountID)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	seed := opts.Seed
	if len(seed) == 0 {
		s, err := keycrypt.NewSeed()
		if err != nil {
			return nil, fmt.Errorf("awskms simulator: %w", err)
		}
		seed = s
	}
	return &Server{
		opts:    opts,
		seed:    append([]byte(nil), seed...),
		keys:    map[string]*key{},
		aliases: map[string]string{},
		faults:  map[string][]fault{},
	}, nil
}

var (
	regionPattern  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	accountPattern = regexp.MustCompile(`^[0-9]{12}$`)
	uuidPattern    = regexp.MustCompile(`^(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`)
	aliasPattern   = regexp.MustCompile(`^alias/[a-zA-Z0-9/_-]{1,250}$`)
)

// CreateKey creates a symmetric encryption key in region ("" for Options.Region) and returns it.
func (s *Server) CreateKey(region, description string) (Key, error) {
	if region == "" {
		region = s.opts.Region
	}
	if !regionPattern.MatchString(region) {
		return Key{}, fmt.Errorf("create key: invalid region %q", region)
	}
	id, err := newUUID()
	if err != nil {
		return Key{}, fmt.Errorf("create key: %w", err)
	}
	return s.createKey(region, id, description)
}

// CreateKeyWithID creates a key with a chosen ID (a UUID), so that a restarted simulator with the same seed can
// decrypt ciphertexts made before.
func (s *Server) CreateKeyWithID(region, id, description string) (Key, error) {
	if region == "" {
		region = s.opts.Region
	}
	if !regionPattern.MatchString(region) {
		return Key{}, fmt.Errorf("create key: invalid region %q", region)
	}
	if !uuidPattern.MatchString(id) {
		return Key{}, fmt.Errorf("create key: invalid key ID %q (want a UUID)", id)
	}
	return s.createKey(region, id, description)
}

func (s *Server) createKey(region, id, description string) (Key, error) {
	arn := fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", region, s.opts.AccountID, id)
	secret, err := keycrypt.KeySecret(s.seed, arn, nil)
	if err != nil {
		return Key{}, fmt.Errorf("create key: %w", err)
	}
	k := &key{
		Key:         Key{ID: id, ARN: arn, Region: region},
		description: description,
		created:     s.opts.Now().UTC(),
		enabled:     true,
		secret:      secret,
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.keys[arn]; dup {
		return Key{}, fmt.Errorf("create key: key %s exists already", arn)
	}
	s.keys[arn] = k
	return k.Key, nil
}

// CreateAlias points alias ("alias/name") at a key, in the key's region.
func (s *Server) CreateAlias(alias, keyARN string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[keyARN]
	if !ok {
		return fmt.Errorf("create alias: no key %s", keyARN)
	}
	return s.createAliasLocked(alias, k)
}

func (s *Server) createAliasLocked(alias string, k *key) error {
	if !aliasPattern.MatchString(alias) || strings.HasPrefix(alias, "alias/aws/") {
		return fmt.Errorf("create alias: invalid alias name %q", alias)
	}
	arn := fmt.Sprintf("arn:aws:kms:%s:%s:%s", k.Region, s.opts.AccountID, alias)
	if _, dup := s.aliases[arn]; dup {
		return fmt.Errorf("create alias: alias %s exists already", arn)
	}
	s.aliases[arn] = k.ARN
	return nil
}

// SetEnabled enables or disables a key; a disabled key refuses every cryptographic operation.
func (s *Server) SetEnabled(keyARN string, enabled bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[keyARN]
	if !ok {
		return fmt.Errorf("no key %s", keyARN)
	}
	k.enabled = enabled
	return nil
}

// SetAccess restricts a key to the given access key IDs (none: every caller may use it again).
func (s *Server) SetAccess(keyARN string, accessKeyIDs ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[keyARN]
	if !ok {
		return fmt.Errorf("no key %s", keyARN)
	}
	if len(accessKeyIDs) == 0 {
		k.allowed = nil
		return nil
	}
	k.allowed = map[string]bool{}
	for _, id := range accessKeyIDs {
		k.allowed[id] = true
	}
	return nil
}

// InjectError makes the next times calls of operation (e.g. "Decrypt") fail with an AWS error of the given type
// (e.g. "ThrottlingException", "KMSInternalException"), to test retries and error handling.
func (s *Server) InjectError(operation, errType, message string, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range times {
		s.faults[operation] = append(s.faults[operation], fault{errType: errType, message: message})
	}
}

// takeFault pops an injected fault for operation.
func (s *Server) takeFault(operation string) (fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fs := s.faults[operation]
	if len(fs) == 0 {
		return fault{}, false
	}
	s.faults[operation] = fs[1:]
	return fs[0], true
}

func newUUID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}
