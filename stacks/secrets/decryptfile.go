package secrets

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/config"
	sopsdotenv "github.com/getsops/sops/v3/stores/dotenv"
	sopsjson "github.com/getsops/sops/v3/stores/json"
	sopsyaml "github.com/getsops/sops/v3/stores/yaml"
)

// FileFormat names how a sops-encrypted file is laid out.
type FileFormat string

// The formats DecryptFile reads.
const (
	FormatYAML   FileFormat = "yaml"
	FormatJSON   FileFormat = "json"
	FormatDotenv FileFormat = "dotenv"
)

// FormatOf picks the format from a file name's extension, as sops does.
func FormatOf(path string) FileFormat {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		return FormatJSON
	case ".env":
		return FormatDotenv
	}
	if strings.HasSuffix(filepath.Base(path), ".env") || strings.HasPrefix(filepath.Base(path), ".env") {
		return FormatDotenv
	}
	return FormatYAML
}

type treeStore interface {
	LoadEncryptedFile(in []byte) (sops.Tree, error)
}

// DecryptFile reads a sops-encrypted file (YAML, JSON or dotenv) with the user's identities (age keys, a
// passphrase, KMS access), checks its MAC, and returns its content as plain Go values: maps, lists, strings,
// numbers and booleans. It is how a program reads a team's existing sops file without importing sops: the engine
// decrypts on its behalf and hands every value over as a secret.
func DecryptFile(ctx context.Context, path string, format FileFormat, opts ...OpenOption) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read sops file: %w", err)
	}
	var store treeStore
	switch format {
	case FormatJSON:
		store = sopsjson.NewStore(&config.JSONStoreConfig{})
	case FormatDotenv:
		store = sopsdotenv.NewStore(&config.DotenvStoreConfig{})
	case FormatYAML, "":
		store = sopsyaml.NewStore(&config.YAMLStoreConfig{})
	default:
		return nil, fmt.Errorf("sops file %s: unknown format %q (use yaml, json or dotenv)", path, format)
	}
	tree, err := store.LoadEncryptedFile(data)
	if err != nil {
		if errors.Is(err, sops.MetadataNotFound) {
			return nil, fmt.Errorf("%s is not encrypted with sops (it has no sops metadata)", path)
		}
		return nil, fmt.Errorf("sops file %s: %w", path, err)
	}
	m, err := Open(ctx, tree.Metadata, opts...)
	if err != nil {
		return nil, fmt.Errorf("sops file %s: %w", path, err)
	}
	cipher := m.TreeCipher()
	computed, err := tree.Decrypt(nil, cipher)
	if err != nil {
		return nil, fmt.Errorf("sops file %s: decrypt: %s", path, sanitize(err))
	}
	stored, err := cipher.Decrypt(tree.Metadata.MessageAuthenticationCode, nil, tree.Metadata.LastModified.Format(time.RFC3339))
	if err != nil {
		return nil, fmt.Errorf("sops file %s: its MAC cannot be decrypted: the file is damaged", path)
	}
	if s, _ := stored.(string); s != computed {
		return nil, fmt.Errorf("sops file %s: its MAC does not match its content: it was changed without sops", path)
	}
	out := map[string]any{}
	for _, branch := range tree.Branches {
		for k, v := range branchToMap(branch) {
			out[k] = v
		}
	}
	return out, nil
}

// sanitize keeps error text that cannot contain plaintext.
func sanitize(err error) string {
	msg := err.Error()
	if len(msg) > 200 {
		msg = msg[:200] + "..."
	}
	return msg
}

func branchToMap(b sops.TreeBranch) map[string]any {
	out := make(map[string]any, len(b))
	for _, item := range b {
		if _, isComment := item.Key.(sops.Comment); isComment {
			continue
		}
		out[fmt.Sprint(item.Key)] = plainValue(item.Value)
	}
	return out
}

func plainValue(v any) any {
	switch x := v.(type) {
	case sops.TreeBranch:
		return branchToMap(x)
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			if _, isComment := e.(sops.Comment); isComment {
				continue
			}
			out = append(out, plainValue(e))
		}
		return out
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case float32:
		return float64(x)
	case time.Time:
		return x.Format(time.RFC3339)
	}
	return v
}
