package infra

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/infrago/infra/sdk/resource"
	pb "github.com/infrago/infra/sdk/rpc/monitorpb"
	"github.com/infrago/infra/sdk/rpc/propertypb"
)

func configFromInfo(info *pb.ProgramInfo) (resource.PropertyMap, error) {
	m, err := propertypb.ToMap(info.GetConfig())
	if err != nil {
		return nil, fmt.Errorf("read stack config: %w", err)
	}
	return m, nil
}

// Config reads the stack's configuration in one namespace. Values are set with `infra config set`; keys are
// written "<namespace>:<key>" in the stack config file, the namespace being the project name unless another is
// given.
type Config struct {
	ctx       *Context
	namespace string
}

// NewConfig returns the configuration of namespace; "" means the project's own.
func NewConfig(ctx *Context, namespace string) *Config {
	if namespace == "" {
		namespace = ctx.Project()
	}
	return &Config{ctx: ctx, namespace: namespace}
}

func (c *Config) fullKey(key string) string {
	if strings.Contains(key, ":") {
		return key
	}
	return c.namespace + ":" + key
}

func (c *Config) lookup(key string) (resource.PropertyValue, bool) {
	v, ok := c.ctx.config[c.fullKey(key)]
	return v, ok && !v.IsNull()
}

func (c *Config) file() string {
	if f := c.ctx.info.GetConfigFile(); f != "" {
		return f
	}
	return "the stack config file"
}

func (c *Config) missing(key string, secret bool) error {
	flag := ""
	if secret {
		flag = " --secret"
	}
	return fmt.Errorf("missing required configuration value %q in %s: set it with `infra config set%s %s <value>`",
		c.fullKey(key), c.file(), flag, key)
}

func (c *Config) bad(key, want string, v resource.PropertyValue) error {
	shown := v.String()
	if v.IsSecret() {
		shown = "[secret]"
	}
	return fmt.Errorf("configuration value %q in %s is %s, which is not %s: fix it with `infra config set %s <value>`",
		c.fullKey(key), c.file(), shown, want, key)
}

// text renders a config value as a string: strings as they are, other values as JSON.
func text(v resource.PropertyValue) string {
	v = v.Unsecret()
	if v.Kind() == resource.KindString {
		return v.StringValue()
	}
	if v.Kind() == resource.KindNumber {
		return resource.FormatNumber(v.NumberValue())
	}
	if v.Kind() == resource.KindBool {
		return strconv.FormatBool(v.BoolValue())
	}
	plain, err := resource.ToPlain(v)
	if err != nil {
		return ""
	}
	b, _ := json.Marshal(plain)
	return string(b)
}

// Get returns the value of key as a string, or "" when it is not set. Secret values are refused here so they
// cannot leak by accident: use GetSecret.
func (c *Config) Get(key string) string {
	v, ok := c.lookup(key)
	if !ok || v.ContainsSecrets() {
		return ""
	}
	return text(v)
}

// Require returns the value of key, or an error naming the key, the file and how to set it.
func (c *Config) Require(key string) (string, error) {
	v, ok := c.lookup(key)
	if !ok {
		return "", c.missing(key, false)
	}
	if v.ContainsSecrets() {
		return "", fmt.Errorf("configuration value %q in %s is a secret: read it with RequireSecret", c.fullKey(key), c.file())
	}
	return text(v), nil
}

// GetInt returns the integer value of key, 0 when it is not set, or an error when it is not an integer.
func (c *Config) GetInt(key string) (int, error) {
	v, ok := c.lookup(key)
	if !ok {
		return 0, nil
	}
	return c.asInt(key, v)
}

// RequireInt is GetInt for a value that must be set.
func (c *Config) RequireInt(key string) (int, error) {
	v, ok := c.lookup(key)
	if !ok {
		return 0, c.missing(key, false)
	}
	return c.asInt(key, v)
}

func (c *Config) asInt(key string, v resource.PropertyValue) (int, error) {
	u := v.Unsecret()
	switch u.Kind() {
	case resource.KindNumber:
		n := u.NumberValue()
		if n == float64(int(n)) {
			return int(n), nil
		}
	case resource.KindString:
		if n, err := strconv.Atoi(strings.TrimSpace(u.StringValue())); err == nil {
			return n, nil
		}
	}
	return 0, c.bad(key, "an integer", v)
}

// GetBool returns the boolean value of key, false when it is not set, or an error when it is not a boolean.
func (c *Config) GetBool(key string) (bool, error) {
	v, ok := c.lookup(key)
	if !ok {
		return false, nil
	}
	u := v.Unsecret()
	switch u.Kind() {
	case resource.KindBool:
		return u.BoolValue(), nil
	case resource.KindString:
		if b, err := strconv.ParseBool(strings.TrimSpace(u.StringValue())); err == nil {
			return b, nil
		}
	}
	return false, c.bad(key, "true or false", v)
}

// GetFloat64 returns the numeric value of key, 0 when it is not set, or an error when it is not a number.
func (c *Config) GetFloat64(key string) (float64, error) {
	v, ok := c.lookup(key)
	if !ok {
		return 0, nil
	}
	u := v.Unsecret()
	switch u.Kind() {
	case resource.KindNumber:
		return u.NumberValue(), nil
	case resource.KindString:
		if f, err := strconv.ParseFloat(strings.TrimSpace(u.StringValue()), 64); err == nil {
			return f, nil
		}
	}
	return 0, c.bad(key, "a number", v)
}

// GetObject decodes a structured value (a YAML map or list in the config file, or JSON text) into target. It
// returns false when the key is not set.
func (c *Config) GetObject(key string, target any) (bool, error) {
	v, ok := c.lookup(key)
	if !ok {
		return false, nil
	}
	u := v.Unsecret()
	if u.Kind() == resource.KindString {
		var raw any
		if err := json.Unmarshal([]byte(u.StringValue()), &raw); err != nil {
			return true, c.bad(key, "a JSON or YAML object", v)
		}
		pv, err := resource.FromGo(raw)
		if err != nil {
			return true, c.bad(key, "a JSON or YAML object", v)
		}
		u = pv
	}
	if err := resource.ToGo(u, target); err != nil {
		return true, fmt.Errorf("configuration value %q in %s: %v", c.fullKey(key), c.file(), err)
	}
	return true, nil
}

// GetSecret returns the value of key as a secret Output ("" when it is not set). The value is secret whether or
// not it was stored with --secret.
func (c *Config) GetSecret(key string) Output[string] {
	v, ok := c.lookup(key)
	if !ok {
		return Secret[string](String(""))
	}
	return Output[string]{s: resolvedState(text(v), true)}
}

// RequireSecret is GetSecret for a value that must be set.
func (c *Config) RequireSecret(key string) (Output[string], error) {
	if _, ok := c.lookup(key); !ok {
		return Output[string]{}, c.missing(key, true)
	}
	return c.GetSecret(key), nil
}
