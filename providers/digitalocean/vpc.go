package digitalocean

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/digitalocean/godo"

	"github.com/infrago/infra/sdk/provider"
)

const vpcDoc = "A VPC: a private network in one region for droplets and load balancers. A new name or description " +
	"changes it in place; a new region or IP range replaces it. DigitalOcean refuses to delete a VPC that still has " +
	"members, so the delete is repeated for a while as members go. Import it by its UUID."

// VPCArgs are the inputs of digitalocean:index:VPC.
type VPCArgs struct {
	Name        *string `infra:"name" doc:"The VPC's name, unique in the account. Unset: derived from the resource's name with a random suffix. A change renames it in place."`
	Region      string  `infra:"region,replace" doc:"The region slug, such as nyc3. A change replaces it."`
	Description *string `infra:"description" doc:"A description of the VPC. A change updates it in place."`
	IPRange     *string `infra:"ipRange,replace" doc:"The private IPv4 range in CIDR notation, such as 10.10.10.0/24. Unset: DigitalOcean picks one. A change replaces it."`
}

// VPCState are the outputs of digitalocean:index:VPC.
type VPCState struct {
	VPCArgs
	URN       string `infra:"urn" doc:"The VPC's DigitalOcean URN (do:vpc:UUID)."`
	Default   bool   `infra:"default" doc:"Whether the VPC is its region's default."`
	CreatedAt string `infra:"createdAt" doc:"When the VPC was created, in RFC 3339."`
}

type vpcResource struct{ p *doProvider }

// Check names the VPC and validates its region and range.
func (r *vpcResource) Check(_ context.Context, req provider.CheckRequest[VPCArgs]) (VPCArgs, []provider.CheckFailure, error) {
	in := req.Inputs
	if err := fillName(req.URN, &req.OldInputs, &in, func(a *VPCArgs) **string { return &a.Name }); err != nil {
		return in, nil, err
	}
	var fs failures
	fs.region("region", in.Region)
	if in.IPRange != nil {
		if p, err := netip.ParsePrefix(*in.IPRange); err != nil || !p.Addr().Is4() || p.Bits() < 16 || p.Bits() > 28 {
			fs.add("ipRange", "ipRange %q is not an IPv4 range between /16 and /28 such as 10.10.10.0/24", *in.IPRange)
		}
	}
	return in, fs, nil
}

// Diff treats an unset range as unchanged.
func (r *vpcResource) Diff(_ context.Context, req provider.DiffRequest[VPCArgs, VPCState]) (provider.DiffResponse, error) {
	return provider.DiffStructs(req.OldInputs, req.Inputs, "ipRange")
}

// Create creates the VPC.
func (r *vpcResource) Create(ctx context.Context, req provider.CreateRequest[VPCArgs]) (provider.CreateResponse[VPCState], error) {
	c, err := r.p.client()
	if err != nil {
		return provider.CreateResponse[VPCState]{}, err
	}
	in := req.Inputs
	v, _, err := c.godo.VPCs.Create(ctx, &godo.VPCCreateRequest{Name: *in.Name, RegionSlug: in.Region, Description: str(in.Description), IPRange: str(in.IPRange)})
	if err != nil {
		return provider.CreateResponse[VPCState]{}, fmt.Errorf("create VPC %s: %w", *in.Name, err)
	}
	resp, err := r.read(ctx, c, v.ID, &in, true)
	if err != nil || resp.ID == "" {
		return provider.CreateResponse[VPCState]{ID: v.ID, Outputs: vpcState(v, &in)}, notVisible("VPC "+v.ID, err)
	}
	return provider.CreateResponse[VPCState]{ID: v.ID, Outputs: resp.Outputs}, nil
}

func vpcState(v *godo.VPC, old *VPCArgs) VPCState {
	in := VPCArgs{Name: ptr(v.Name), Region: v.RegionSlug, Description: optStr(v.Description), IPRange: optStr(v.IPRange)}
	if old != nil && old.IPRange == nil {
		in.IPRange = nil
	}
	return VPCState{VPCArgs: in, URN: v.URN, Default: v.Default, CreatedAt: v.CreatedAt.UTC().Format(time.RFC3339)}
}

func (r *vpcResource) read(ctx context.Context, c *client, id string, old *VPCArgs, wait bool) (provider.ReadResponse[VPCArgs, VPCState], error) {
	v, found, err := getFresh(ctx, c, func() (*godo.VPC, error) {
		v, _, err := c.godo.VPCs.Get(ctx, id)
		return v, err
	}, !wait)
	if err != nil || !found {
		return provider.ReadResponse[VPCArgs, VPCState]{}, wrapRead("VPC "+id, err)
	}
	st := vpcState(v, old)
	return provider.ReadResponse[VPCArgs, VPCState]{ID: v.ID, Inputs: st.VPCArgs, Outputs: st}, nil
}

// Read reads the VPC for refresh and import.
func (r *vpcResource) Read(ctx context.Context, req provider.ReadRequest[VPCArgs, VPCState]) (provider.ReadResponse[VPCArgs, VPCState], error) {
	c, err := r.p.client()
	if err != nil {
		return provider.ReadResponse[VPCArgs, VPCState]{}, err
	}
	return r.read(ctx, c, req.ID, oldOf(req.Import, &req.Inputs), false)
}

// Lookup finds the VPC a cut-off create made by its name, which is unique in an account.
func (r *vpcResource) Lookup(ctx context.Context, req provider.LookupRequest[VPCArgs]) (provider.ReadResponse[VPCArgs, VPCState], error) {
	c, err := r.p.client()
	if err != nil {
		return provider.ReadResponse[VPCArgs, VPCState]{}, err
	}
	vs, err := listAll(ctx, func(opt *godo.ListOptions) ([]*godo.VPC, *godo.Response, error) { return c.godo.VPCs.List(ctx, opt) })
	if err != nil {
		return provider.ReadResponse[VPCArgs, VPCState]{}, fmt.Errorf("look for the VPC of %s: %w", req.URN, err)
	}
	for _, v := range vs {
		if v.Name == str(req.Inputs.Name) && v.RegionSlug == req.Inputs.Region {
			st := vpcState(v, nil)
			return provider.ReadResponse[VPCArgs, VPCState]{ID: v.ID, Inputs: st.VPCArgs, Outputs: st}, nil
		}
	}
	return provider.ReadResponse[VPCArgs, VPCState]{}, nil
}

// Update renames the VPC or changes its description.
func (r *vpcResource) Update(ctx context.Context, req provider.UpdateRequest[VPCArgs, VPCState]) (provider.UpdateResponse[VPCState], error) {
	c, err := r.p.client()
	if err != nil {
		return provider.UpdateResponse[VPCState]{}, err
	}
	v, _, err := c.godo.VPCs.Update(ctx, req.ID, &godo.VPCUpdateRequest{Name: *req.Inputs.Name, Description: str(req.Inputs.Description)})
	if err != nil {
		return provider.UpdateResponse[VPCState]{}, fmt.Errorf("update VPC %s: %w", req.ID, err)
	}
	return provider.UpdateResponse[VPCState]{Outputs: vpcState(v, &req.Inputs)}, nil
}

// Delete deletes the VPC, repeating while DigitalOcean still counts members that are going; one that is gone
// already is fine.
func (r *vpcResource) Delete(ctx context.Context, req provider.DeleteRequest[VPCArgs, VPCState]) error {
	c, err := r.p.client()
	if err != nil {
		return err
	}
	return c.deleteInUse(ctx, "VPC "+req.ID, func() error {
		_, err := c.godo.VPCs.Delete(ctx, req.ID)
		return err
	})
}

// deleteInUse runs a delete that DigitalOcean refuses with 403, 409 or 422 while the object still has members
// being deleted: it is repeated for a while before the refusal is reported. A 404 is a delete done.
func (c *client) deleteInUse(ctx context.Context, what string, del func() error) error {
	deadline := time.Now().Add(propagation)
	for n := 0; ; n++ {
		err := del()
		switch s := statusOf(err); {
		case err == nil, s == 404:
			return nil
		case (s == 403 || s == 409 || s == 422) && time.Now().Before(deadline):
			c.log.Debug("the delete was refused, repeating it", "what", what, "status", s, "error", err.Error())
			if err := sleep(ctx, c.backoff(n)); err != nil {
				return fmt.Errorf("delete %s: %w", what, err)
			}
		default:
			return fmt.Errorf("delete %s: %w", what, err)
		}
	}
}
