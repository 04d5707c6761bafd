// Package kittest drives one resource type of a provider through the real provider server in-process, the way the
// engine does over the wire, so the built-in providers' tests exercise the kit's checking, defaults, codec and
// secret handling rather than calling the resource methods directly.
package kittest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/infrago/infra/sdk/provider"
	"github.com/infrago/infra/sdk/resource"
	"github.com/infrago/infra/sdk/rpc/propertypb"
	pb "github.com/infrago/infra/sdk/rpc/providerpb"
)

// Harness is one resource type of one provider, served by a provider.Server.
type Harness struct {
	t    testing.TB
	Srv  *provider.Server
	Type string
	URN  resource.URN
}

// New serves p and aims the harness at resource type typ. The test fails at once if p's schema does not build.
func New(t testing.TB, p provider.Provider, typ string) *Harness {
	t.Helper()
	srv, err := provider.NewServer(p)
	if err != nil {
		t.Fatalf("serve provider %s: %v", p.Name, err)
	}
	return &Harness{t: t, Srv: srv, Type: typ, URN: resource.NewURN("test", "proj", "", typ, "res")}
}

func (h *Harness) toMap(m *propertypb.Map, what string) resource.PropertyMap {
	h.t.Helper()
	pm, err := propertypb.ToMap(m)
	if err != nil {
		h.t.Fatalf("decode %s: %v", what, err)
	}
	return pm
}

// Check runs Check and returns the checked inputs, or the failures rendered as "property: reason" lines.
func (h *Harness) Check(olds, news resource.PropertyMap) (resource.PropertyMap, []string) {
	h.t.Helper()
	resp, err := h.Srv.Check(context.Background(), &pb.CheckRequest{Urn: string(h.URN), Type: h.Type,
		Olds: propertypb.FromMap(olds), News: propertypb.FromMap(news)})
	if err != nil {
		h.t.Fatalf("Check: %v", err)
	}
	var failures []string
	for _, f := range resp.GetFailures() {
		failures = append(failures, f.GetProperty()+": "+f.GetReason())
	}
	if len(failures) > 0 {
		return nil, failures
	}
	return h.toMap(resp.GetInputs(), "checked inputs"), nil
}

// MustCheck runs Check and fails the test on any failure.
func (h *Harness) MustCheck(news resource.PropertyMap) resource.PropertyMap {
	h.t.Helper()
	in, failures := h.Check(nil, news)
	if len(failures) > 0 {
		h.t.Fatalf("Check failed:\n%s", strings.Join(failures, "\n"))
	}
	return in
}

// Diff runs Diff.
func (h *Harness) Diff(id string, oldIn, oldOut, news resource.PropertyMap) *pb.DiffResponse {
	h.t.Helper()
	resp, err := h.Srv.Diff(context.Background(), &pb.DiffRequest{Urn: string(h.URN), Type: h.Type, Id: id,
		OldInputs: propertypb.FromMap(oldIn), OldOutputs: propertypb.FromMap(oldOut), News: propertypb.FromMap(news)})
	if err != nil {
		h.t.Fatalf("Diff: %v", err)
	}
	return resp
}

// Create runs Create with a timeout in seconds (0: none).
func (h *Harness) Create(in resource.PropertyMap, timeout float64) (string, resource.PropertyMap, error) {
	h.t.Helper()
	resp, err := h.Srv.Create(context.Background(), &pb.CreateRequest{Urn: string(h.URN), Type: h.Type,
		Properties: propertypb.FromMap(in), Timeout: timeout, IdempotencyToken: "token"})
	if err != nil {
		return "", nil, err
	}
	if len(resp.GetInitErrors()) > 0 {
		return resp.GetId(), h.toMap(resp.GetProperties(), "outputs"), fmt.Errorf("init errors: %v", resp.GetInitErrors())
	}
	return resp.GetId(), h.toMap(resp.GetProperties(), "outputs"), nil
}

// MustCreate checks news, creates the object and fails the test on any error.
func (h *Harness) MustCreate(news resource.PropertyMap) (id string, in, out resource.PropertyMap) {
	h.t.Helper()
	in = h.MustCheck(news)
	id, out, err := h.Create(in, 0)
	if err != nil {
		h.t.Fatalf("Create: %v", err)
	}
	return id, in, out
}

// Update runs Update with a timeout in seconds (0: none).
func (h *Harness) Update(id string, oldIn, oldOut, news resource.PropertyMap, timeout float64) (resource.PropertyMap, error) {
	h.t.Helper()
	resp, err := h.Srv.Update(context.Background(), &pb.UpdateRequest{Urn: string(h.URN), Type: h.Type, Id: id,
		OldInputs: propertypb.FromMap(oldIn), Olds: propertypb.FromMap(oldOut), News: propertypb.FromMap(news), Timeout: timeout})
	if err != nil {
		return nil, err
	}
	return h.toMap(resp.GetProperties(), "outputs"), nil
}

// Delete runs Delete with a timeout in seconds (0: none).
func (h *Harness) Delete(id string, in, out resource.PropertyMap, timeout float64) error {
	h.t.Helper()
	_, err := h.Srv.Delete(context.Background(), &pb.DeleteRequest{Urn: string(h.URN), Type: h.Type, Id: id,
		Inputs: propertypb.FromMap(in), Properties: propertypb.FromMap(out), Timeout: timeout})
	return err
}

// Read runs Read; empty in and out make it an import.
func (h *Harness) Read(id string, in, out resource.PropertyMap) (string, resource.PropertyMap, resource.PropertyMap, error) {
	h.t.Helper()
	resp, err := h.Srv.Read(context.Background(), &pb.ReadRequest{Urn: string(h.URN), Type: h.Type, Id: id,
		Inputs: propertypb.FromMap(in), Properties: propertypb.FromMap(out)})
	if err != nil {
		return "", nil, nil, err
	}
	return resp.GetId(), h.toMap(resp.GetInputs(), "inputs"), h.toMap(resp.GetProperties(), "outputs"), nil
}

// Props builds a property map from plain Go values (see resource.FromGo); values that are already PropertyValues
// pass through, so secrets and unknowns can be planted.
func Props(t testing.TB, m map[string]any) resource.PropertyMap {
	t.Helper()
	out := resource.PropertyMap{}
	for k, v := range m {
		pv, err := resource.FromGo(v)
		if err != nil {
			t.Fatalf("property %s: %v", k, err)
		}
		out[k] = pv
	}
	return out
}

// Str returns the string a property holds, unwrapping a secret.
func Str(m resource.PropertyMap, name string) string {
	v := m[name]
	for v.IsSecret() {
		v = v.SecretElement()
	}
	return v.StringValue()
}
