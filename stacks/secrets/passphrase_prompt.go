package secrets

import (
	"context"
	"errors"
	"fmt"
	"os"

	"golang.org/x/term"
)

// TerminalPrompt returns a prompt that asks on the terminal (the question on standard error, the answer read from
// standard input without echo), or nil when there is no person to ask: standard input or standard error is not a
// terminal, or CI is set.
func TerminalPrompt() PassphrasePrompt {
	if os.Getenv("CI") != "" || !term.IsTerminal(int(os.Stdin.Fd())) || !term.IsTerminal(int(os.Stderr.Fd())) {
		return nil
	}
	return askTerminal
}

func askTerminal(ctx context.Context, question string, confirm bool) (string, error) {
	first, err := readHidden(ctx, question+": ")
	if err != nil {
		return "", err
	}
	if !confirm {
		return first, nil
	}
	second, err := readHidden(ctx, "Repeat it: ")
	if err != nil {
		return "", err
	}
	if first != second {
		return "", errors.New("the two passphrases differ")
	}
	return first, nil
}

// readHidden reads one line from the terminal without echo. A cancelled context cannot interrupt the read
// itself; it is checked before asking.
func readHidden(ctx context.Context, prompt string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	fmt.Fprint(os.Stderr, prompt)
	b, err := term.ReadPassword(int(os.Stdin.Fd()))
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return "", fmt.Errorf("read from the terminal: %w", err)
	}
	return string(b), nil
}
