// Package data is the built-in "data" provider: data:index:Data is a resource that does nothing, whose outputs are
// its inputs. It carries values through the resource graph (to give a computed value a name and a place in state,
// or to make something replace when a value changes), and it is the resource the engine's benchmarks use, so its
// operations are kept as cheap as the kit allows.
package data

import (
	"context"
	"time"

	"github.com/infrago/infra/providers/builtin/internal/ident"
	"github.com/infrago/infra/sdk/provider"
	"github.com/infrago/infra/sdk/resource"
)

// Name is the provider's package name, the first part of its type tokens.
const Name = "data"

// Version is the provider's semantic version.
const Version = "0.1.0"

// DataToken is the type token of the one resource type.
const DataToken = "data:index:Data"

// Args are the inputs of data:index:Data, and also its outputs. The fields are resource.PropertyValues rather than
// plain Go values so that every kind of value, secrets and resource references nested anywhere included, passes
// through unchanged: the kit's codec unwraps secrets when it decodes into plain Go types.
type Args struct {
	Value resource.PropertyValue `infra:"value,optional" doc:"Any value (string, number, bool, list, map, secret, resource reference, or any nesting of them); the value output holds it unchanged. A change updates the resource in place. Unset: no value."`

	TriggersReplace resource.PropertyValue `infra:"triggersReplace,optional,replace" doc:"Any value; changing it replaces the resource, so that resources depending on it (with replaceOnChanges or deleteBeforeReplace) are replaced too. The triggersReplace output holds it unchanged. Unset: no value."`
}

// Config is the data provider's configuration.
type Config struct {
	LatencyMs int `infra:"latencyMs,optional" doc:"Milliseconds each create and update takes: a stand-in for a slow cloud API, for measuring how the engine schedules work. Unset: no delay."`
}

// Provider returns the data provider, ready to be served. Each call builds a fresh value.
func Provider() provider.Provider {
	res := &dataResource{}
	return provider.Provider{
		Name:        Name,
		Version:     Version,
		Description: "A resource whose outputs are its inputs, for carrying values through the resource graph.",
		Config: provider.ConfigOf(func(_ context.Context, c Config) error {
			res.latency = time.Duration(c.LatencyMs) * time.Millisecond
			return nil
		}),
		Resources: []provider.Resource{
			provider.NewResource[Args, Args](DataToken,
				"A resource that does nothing: its outputs are its inputs. A change to value updates it in place; a "+
					"change to triggersReplace replaces it. Its ID is random. Refresh keeps it as it is, and it "+
					"cannot be imported (there is nothing outside state to adopt).",
				res, provider.Virtual()),
		},
	}
}

// dataResource implements data:index:Data. It has no Read (refresh keeps state; the kit refuses import) and no
// Delete (deleting only forgets it).
type dataResource struct {
	// latency is set once by Configure, before any operation.
	latency time.Duration
}

// wait stands for the time a real API call takes, when configured.
func (r *dataResource) wait(ctx context.Context) error {
	if r.latency <= 0 {
		return nil
	}
	select {
	case <-time.After(r.latency):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Create echoes the inputs under a fresh random ID.
func (r *dataResource) Create(ctx context.Context, req provider.CreateRequest[Args]) (provider.CreateResponse[Args], error) {
	if err := r.wait(ctx); err != nil {
		return provider.CreateResponse[Args]{}, err
	}
	id, err := ident.New()
	if err != nil {
		return provider.CreateResponse[Args]{}, err
	}
	return provider.CreateResponse[Args]{ID: id, Outputs: req.Inputs}, nil
}

// Update echoes the new inputs.
func (r *dataResource) Update(ctx context.Context, req provider.UpdateRequest[Args, Args]) (provider.UpdateResponse[Args], error) {
	if err := r.wait(ctx); err != nil {
		return provider.UpdateResponse[Args]{}, err
	}
	return provider.UpdateResponse[Args]{Outputs: req.Inputs}, nil
}

// Lookup reports that a create cut off by a crash made nothing to find: a Data resource exists only in state, so
// creating it again duplicates nothing.
func (r *dataResource) Lookup(context.Context, provider.LookupRequest[Args]) (provider.ReadResponse[Args, Args], error) {
	return provider.ReadResponse[Args, Args]{}, nil
}
