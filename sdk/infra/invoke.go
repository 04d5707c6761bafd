package infra

import (
	"fmt"
	"strings"

	"github.com/infrago/infra/sdk/resource"
	pb "github.com/infrago/infra/sdk/rpc/monitorpb"
	"github.com/infrago/infra/sdk/rpc/propertypb"
)

// InvokeOption adjusts a provider function call.
type InvokeOption func(*invokeOptions)

type invokeOptions struct {
	provider ProviderResource
}

// InvokeProvider calls the function through an explicitly configured provider instance.
func InvokeProvider(p ProviderResource) InvokeOption {
	return func(o *invokeOptions) { o.provider = p }
}

// Invoke calls provider function token (for example an image lookup) with args and decodes the result into O.
// Generated function wrappers call it; it runs during previews too.
func Invoke[O any](ctx *Context, token string, args any, opts ...InvokeOption) (O, error) {
	var out O
	if ctx == nil {
		return out, errNilContext
	}
	var o invokeOptions
	for _, opt := range opts {
		opt(&o)
	}
	m, err := resource.MapFromGo(args)
	if err != nil {
		return out, fmt.Errorf("invoke %s: arguments: %w", token, err)
	}
	req := &pb.InvokeRequest{Token: token, Args: propertypb.FromMap(m)}
	if o.provider != nil {
		reg := o.provider.registration()
		u, known, _, _, err := waitResolved(reg.urn)
		if err != nil {
			return out, fmt.Errorf("invoke %s: provider: %w", token, err)
		}
		id, idKnown, _, _, _ := waitResolved(reg.id)
		if !known || !idKnown {
			return out, fmt.Errorf("invoke %s: its provider is not created yet; functions need a provider that exists", token)
		}
		req.Provider = string(resource.NewProviderRef(u.(URN), id.(string)))
	}
	resp, err := ctx.mon.Invoke(ctx.base, req)
	if err != nil {
		return out, fmt.Errorf("invoke %s: %w", token, err)
	}
	if len(resp.GetFailures()) > 0 {
		var b strings.Builder
		for _, f := range resp.GetFailures() {
			fmt.Fprintf(&b, "\n  %s: %s", f.GetProperty(), f.GetReason())
		}
		return out, fmt.Errorf("invoke %s: invalid arguments:%s", token, b.String())
	}
	res, err := propertypb.ToMap(resp.GetResult())
	if err != nil {
		return out, fmt.Errorf("invoke %s: result: %w", token, err)
	}
	if err := resource.MapToGo(res, &out); err != nil {
		return out, fmt.Errorf("invoke %s: decode result: %w", token, err)
	}
	return out, nil
}

// waitResolved blocks until s resolves. Only Invoke uses it, from program code, where blocking is expected.
func waitResolved(s *outputState) (any, bool, bool, []URN, error) {
	ch := make(chan struct{})
	s.onResolved(func() { close(ch) })
	<-ch
	return s.result()
}
