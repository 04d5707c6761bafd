package infra

import (
	"fmt"
	"sort"

	"github.com/infrago/infra/sdk/resource"
	pb "github.com/infrago/infra/sdk/rpc/monitorpb"
	"github.com/infrago/infra/sdk/rpc/propertypb"
)

// stackReader is implemented by monitors that can read other stacks' outputs.
type stackReader interface {
	ReadStackOutputs(ctx *Context, req *pb.ReadStackOutputsRequest) (*pb.ReadStackOutputsResponse, error)
}

// fileDecrypter is implemented by monitors that can decrypt sops files for the program.
type fileDecrypter interface {
	DecryptFile(ctx *Context, req *pb.DecryptFileRequest) (*pb.DecryptFileResponse, error)
}

// StackReference holds another stack's outputs, as of that stack's last update. Outputs that stack exported as
// secrets stay secret here.
type StackReference struct {
	name    string
	outputs resource.PropertyMap
}

// NewStackReference reads the outputs of another stack in the same backend: "stack" for a stack of this
// project, or "project/stack". The reader must be able to decrypt that stack's secrets (be one of its
// recipients) for secret outputs to be read.
func NewStackReference(ctx *Context, name string) (*StackReference, error) {
	if ctx == nil {
		return nil, errNilContext
	}
	sr, ok := ctx.mon.(stackReader)
	if !ok {
		return nil, fmt.Errorf("stack reference %q: this engine cannot read other stacks", name)
	}
	resp, err := sr.ReadStackOutputs(ctx, &pb.ReadStackOutputsRequest{Name: name})
	if err != nil {
		return nil, fmt.Errorf("stack reference %q: %w", name, err)
	}
	outs, err := propertypb.ToMap(resp.GetOutputs())
	if err != nil {
		return nil, fmt.Errorf("stack reference %q: %w", name, err)
	}
	return &StackReference{name: name, outputs: outs}, nil
}

// Name is the referenced stack.
func (r *StackReference) Name() string { return r.name }

// OutputNames lists the referenced stack's outputs.
func (r *StackReference) OutputNames() []string {
	names := make([]string, 0, len(r.outputs))
	for k := range r.outputs {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Output is the named output as a plain value (nil when the stack has no such output).
func (r *StackReference) Output(name string) Output[any] {
	v, ok := r.outputs[name]
	if !ok {
		return Val[any](nil)
	}
	plain, err := resource.ToPlain(v)
	if err != nil {
		return Output[any]{s: &outputState{resolved: true, err: fmt.Errorf("output %q of stack %s: %w", name, r.name, err)}}
	}
	return Output[any]{s: resolvedState(plain, v.ContainsSecrets())}
}

// StackOutput is the named output of a referenced stack decoded as T. It fails when the stack has no such output
// or it does not fit T.
func StackOutput[T any](r *StackReference, name string) (Output[T], error) {
	t, secret, err := decodeOutput[T](r, name)
	if err != nil {
		return Output[T]{}, err
	}
	return Output[T]{s: resolvedState(t, secret)}, nil
}

// decodeOutput is the named output decoded as T, and whether it is a secret.
func decodeOutput[T any](r *StackReference, name string) (T, bool, error) {
	var t T
	v, ok := r.outputs[name]
	if !ok {
		return t, false, fmt.Errorf("stack %s has no output %q (it has: %v)", r.name, name, r.OutputNames())
	}
	if err := resource.ToGo(v, &t); err != nil {
		return t, false, fmt.Errorf("output %q of stack %s: %w", name, r.name, err)
	}
	return t, v.ContainsSecrets(), nil
}

// StackValue is the named output of a referenced stack decoded as T, as a plain Go value. A stack reference's
// outputs are known while the program runs, so unlike an Output it can decide what to declare: how many records
// to make, which clouds to cover. A secret output is refused (its value would lose its secrecy): read it with
// StackOutput.
func StackValue[T any](r *StackReference, name string) (T, error) {
	t, secret, err := decodeOutput[T](r, name)
	if err == nil && secret {
		var zero T
		return zero, fmt.Errorf("output %q of stack %s is a secret: read it with infra.StackOutput, which keeps it secret", name, r.name)
	}
	return t, err
}

// SecretsFile is a sops-encrypted file (YAML, JSON or dotenv) the engine decrypted for the program. Every value
// in it is a secret.
type SecretsFile struct {
	path   string
	values resource.PropertyMap
}

// ReadSecretsFile asks the engine to decrypt the sops file at path (relative to the program's directory) with
// the user's keys, so that the program needs no key material and no sops code of its own.
func ReadSecretsFile(ctx *Context, path string) (*SecretsFile, error) {
	if ctx == nil {
		return nil, errNilContext
	}
	fd, ok := ctx.mon.(fileDecrypter)
	if !ok {
		return nil, fmt.Errorf("read sops file %s: this engine cannot decrypt files", path)
	}
	resp, err := fd.DecryptFile(ctx, &pb.DecryptFileRequest{Path: path})
	if err != nil {
		return nil, fmt.Errorf("read sops file %s: %w", path, err)
	}
	vals, err := propertypb.ToMap(resp.GetValues())
	if err != nil {
		return nil, fmt.Errorf("read sops file %s: %w", path, err)
	}
	return &SecretsFile{path: path, values: vals}, nil
}

// Keys lists the file's top-level keys.
func (f *SecretsFile) Keys() []string { return f.values.Keys() }

// Get returns the string at path ("db.password", "users[0].token") as a secret output.
func (f *SecretsFile) Get(path string) (Output[string], error) {
	return SecretsFileValue[string](f, path)
}

// SecretsFileValue returns the value at path decoded as T, as a secret output.
func SecretsFileValue[T any](f *SecretsFile, path string) (Output[T], error) {
	p, err := resource.ParsePropertyPath(path)
	if err != nil {
		return Output[T]{}, fmt.Errorf("sops file %s: %w", f.path, err)
	}
	v, ok := p.Get(f.values)
	if !ok {
		return Output[T]{}, fmt.Errorf("sops file %s has no value at %s (top-level keys: %v)", f.path, path, f.Keys())
	}
	var t T
	if err := resource.ToGo(v, &t); err != nil {
		return Output[T]{}, fmt.Errorf("sops file %s: %s: %w", f.path, path, err)
	}
	return Output[T]{s: resolvedState(t, true)}, nil
}
