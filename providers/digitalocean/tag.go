package digitalocean

import (
	"context"
	"fmt"

	"github.com/digitalocean/godo"

	"github.com/infrago/infra/sdk/provider"
)

const tagDoc = "A tag, for grouping droplets (a load balancer or a firewall can select droplets by tag). Declaring it " +
	"makes destroy delete it; a tag a droplet names is otherwise created by DigitalOcean and left behind. Deleting a " +
	"tag takes it off everything it tags. A new name replaces it. Import it by its name."

// TagArgs are the inputs of digitalocean:index:Tag.
type TagArgs struct {
	Name string `infra:"name,replace" doc:"The tag: 1 to 255 letters, digits, colons, dashes and underscores. A change replaces it."`
}

// TagState are the outputs of digitalocean:index:Tag.
type TagState struct {
	TagArgs
}

type tagResource struct{ p *doProvider }

// Check validates the tag's name.
func (r *tagResource) Check(_ context.Context, req provider.CheckRequest[TagArgs]) (TagArgs, []provider.CheckFailure, error) {
	var fs failures
	fs.tags("name", []string{req.Inputs.Name})
	return req.Inputs, fs, nil
}

// Create creates the tag (creating one that exists is fine: DigitalOcean answers with it).
func (r *tagResource) Create(ctx context.Context, req provider.CreateRequest[TagArgs]) (provider.CreateResponse[TagState], error) {
	c, err := r.p.client()
	if err != nil {
		return provider.CreateResponse[TagState]{}, err
	}
	t, _, err := c.godo.Tags.Create(ctx, &godo.TagCreateRequest{Name: req.Inputs.Name})
	if err != nil {
		return provider.CreateResponse[TagState]{}, fmt.Errorf("create tag %s: %w", req.Inputs.Name, err)
	}
	resp, err := r.read(ctx, t.Name, true)
	if err != nil || resp.ID == "" {
		return provider.CreateResponse[TagState]{ID: t.Name, Outputs: tagState(t)}, notVisible("tag "+t.Name, err)
	}
	return provider.CreateResponse[TagState]{ID: t.Name, Outputs: resp.Outputs}, nil
}

func tagState(t *godo.Tag) TagState {
	return TagState{TagArgs: TagArgs{Name: t.Name}}
}

func (r *tagResource) read(ctx context.Context, name string, wait bool) (provider.ReadResponse[TagArgs, TagState], error) {
	c, err := r.p.client()
	if err != nil {
		return provider.ReadResponse[TagArgs, TagState]{}, err
	}
	t, found, err := getFresh(ctx, c, func() (*godo.Tag, error) {
		t, _, err := c.godo.Tags.Get(ctx, name)
		return t, err
	}, !wait)
	if err != nil || !found {
		return provider.ReadResponse[TagArgs, TagState]{}, wrapRead("tag "+name, err)
	}
	st := tagState(t)
	return provider.ReadResponse[TagArgs, TagState]{ID: t.Name, Inputs: st.TagArgs, Outputs: st}, nil
}

// Read reads the tag for refresh and import.
func (r *tagResource) Read(ctx context.Context, req provider.ReadRequest[TagArgs, TagState]) (provider.ReadResponse[TagArgs, TagState], error) {
	return r.read(ctx, req.ID, false)
}

// Lookup finds the tag by its name: a create of a tag that exists makes nothing new.
func (r *tagResource) Lookup(ctx context.Context, req provider.LookupRequest[TagArgs]) (provider.ReadResponse[TagArgs, TagState], error) {
	return r.read(ctx, req.Inputs.Name, false)
}

// Delete deletes the tag; one that is gone already is fine.
func (r *tagResource) Delete(ctx context.Context, req provider.DeleteRequest[TagArgs, TagState]) error {
	c, err := r.p.client()
	if err != nil {
		return err
	}
	if _, err := c.godo.Tags.Delete(ctx, req.ID); err != nil && !isNotFound(err) {
		return fmt.Errorf("delete tag %s: %w", req.ID, err)
	}
	return nil
}
