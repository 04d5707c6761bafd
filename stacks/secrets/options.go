package secrets

// OpenOption configures Open, Create, Rekey, Replace and CheckAccess.
type OpenOption func(*options)

type options struct {
	ids         *Identities
	passphrases *Passphrases
	// noPrompt forbids asking a person (CheckAccess answers from what is at hand).
	noPrompt bool
}

// WithIdentities makes the operation use exactly these age identities instead of looking them up in the
// environment and the default files.
func WithIdentities(ids *Identities) OpenOption {
	return func(o *options) { o.ids = ids }
}

// WithPassphrases makes the operation take passphrases from p. Without it, passphrases come from the environment
// (INFRA_PASSPHRASE, INFRA_PASSPHRASE_FILE and their INFRA_NEW_ counterparts) or, when standard input and
// standard error are a terminal and CI is unset, from a prompt there. Passing the same p to the operations of one
// command asks a person at most once.
func WithPassphrases(p *Passphrases) OpenOption {
	return func(o *options) { o.passphrases = p }
}

func newOptions(opts []OpenOption) *options {
	o := &options{}
	for _, opt := range opts {
		opt(o)
	}
	if o.passphrases == nil {
		o.passphrases = NewPassphrases(TerminalPrompt())
	}
	return o
}

// identities returns the age identities, loading them on first use.
func (o *options) identities() *Identities {
	if o.ids == nil {
		o.ids = LoadIdentities()
	}
	return o.ids
}
