package digitalocean

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/digitalocean/godo"

	"github.com/infrago/infra/sdk/provider"
)

const reservedIPDoc = "A reserved IPv4 address in a region: a stable origin that can move between droplets. Assign it " +
	"with digitalocean:index:ReservedIPAssignment, so that replacing the droplet moves the address instead of " +
	"replacing it. A new region replaces it. DigitalOcean gives a reserved IP nothing to tag, so a create cut off by " +
	"a crash cannot be told apart from other addresses: the next up reports it and asks. Import it by its address."

// ReservedIPArgs are the inputs of digitalocean:index:ReservedIP.
type ReservedIPArgs struct {
	Region string `infra:"region,replace" doc:"The region slug, such as nyc3. A change replaces it."`
}

// ReservedIPState are the outputs of digitalocean:index:ReservedIP.
type ReservedIPState struct {
	ReservedIPArgs
	IPAddress string `infra:"ipAddress" doc:"The address."`
	URN       string `infra:"urn" doc:"The address's DigitalOcean URN (do:reservedip:ADDRESS)."`
}

type reservedIPResource struct{ p *doProvider }

// Check validates the region.
func (r *reservedIPResource) Check(_ context.Context, req provider.CheckRequest[ReservedIPArgs]) (ReservedIPArgs, []provider.CheckFailure, error) {
	var fs failures
	fs.region("region", req.Inputs.Region)
	return req.Inputs, fs, nil
}

func checkIP(id string) error {
	if a, err := netip.ParseAddr(id); err != nil || !a.Is4() {
		return fmt.Errorf("reserved IP ID %q is not an IPv4 address", id)
	}
	return nil
}

// Create reserves an address in the region.
func (r *reservedIPResource) Create(ctx context.Context, req provider.CreateRequest[ReservedIPArgs]) (provider.CreateResponse[ReservedIPState], error) {
	c, err := r.p.client()
	if err != nil {
		return provider.CreateResponse[ReservedIPState]{}, err
	}
	ip, _, err := c.godo.ReservedIPs.Create(ctx, &godo.ReservedIPCreateRequest{Region: req.Inputs.Region})
	if err != nil {
		return provider.CreateResponse[ReservedIPState]{}, fmt.Errorf("reserve an IP in %s: %w", req.Inputs.Region, err)
	}
	if got, found, err := c.getReservedIP(ctx, ip.IP, true); err != nil || !found {
		return provider.CreateResponse[ReservedIPState]{ID: ip.IP, Outputs: reservedIPState(ip)}, notVisible("reserved IP "+ip.IP, err)
	} else {
		ip = got
	}
	return provider.CreateResponse[ReservedIPState]{ID: ip.IP, Outputs: reservedIPState(ip)}, nil
}

func reservedIPState(ip *godo.ReservedIP) ReservedIPState {
	st := ReservedIPState{IPAddress: ip.IP, URN: ip.URN()}
	if ip.Region != nil {
		st.Region = ip.Region.Slug
	}
	return st
}

func (c *client) getReservedIP(ctx context.Context, addr string, wait bool) (*godo.ReservedIP, bool, error) {
	return getFresh(ctx, c, func() (*godo.ReservedIP, error) {
		ip, _, err := c.godo.ReservedIPs.Get(ctx, addr)
		return ip, err
	}, !wait)
}

// Read reads the address for refresh and import.
func (r *reservedIPResource) Read(ctx context.Context, req provider.ReadRequest[ReservedIPArgs, ReservedIPState]) (provider.ReadResponse[ReservedIPArgs, ReservedIPState], error) {
	c, err := r.p.client()
	if err != nil {
		return provider.ReadResponse[ReservedIPArgs, ReservedIPState]{}, err
	}
	if err := checkIP(req.ID); err != nil {
		return provider.ReadResponse[ReservedIPArgs, ReservedIPState]{}, err
	}
	ip, found, err := c.getReservedIP(ctx, req.ID, false)
	if err != nil || !found {
		return provider.ReadResponse[ReservedIPArgs, ReservedIPState]{}, wrapRead("reserved IP "+req.ID, err)
	}
	st := reservedIPState(ip)
	return provider.ReadResponse[ReservedIPArgs, ReservedIPState]{ID: ip.IP, Inputs: st.ReservedIPArgs, Outputs: st}, nil
}

// Delete releases the address, unassigning it first if it is still assigned; one that is gone already is fine.
func (r *reservedIPResource) Delete(ctx context.Context, req provider.DeleteRequest[ReservedIPArgs, ReservedIPState]) error {
	c, err := r.p.client()
	if err != nil {
		return err
	}
	if err := checkIP(req.ID); err != nil {
		return err
	}
	return c.deleteInUse(ctx, "reserved IP "+req.ID, func() error {
		_, err := c.godo.ReservedIPs.Delete(ctx, req.ID)
		return err
	})
}

const reservedIPAssignmentDoc = "The assignment of a reserved IP to a droplet. A new droplet moves the address to it in " +
	"place (DigitalOcean's assign action), so the address follows a replaced droplet; a new address replaces the " +
	"assignment. Deleting it unassigns the address. Import it by the address."

// ReservedIPAssignmentArgs are the inputs of digitalocean:index:ReservedIPAssignment.
type ReservedIPAssignmentArgs struct {
	IPAddress string `infra:"ipAddress,replace" doc:"The reserved IP. A change replaces the assignment."`
	DropletID int    `infra:"dropletId" doc:"The droplet to assign it to. A change moves the address in place."`
}

// ReservedIPAssignmentState are the outputs of digitalocean:index:ReservedIPAssignment.
type ReservedIPAssignmentState struct {
	ReservedIPAssignmentArgs
}

type reservedIPAssignmentResource struct{ p *doProvider }

// Check validates the address and the droplet.
func (r *reservedIPAssignmentResource) Check(_ context.Context, req provider.CheckRequest[ReservedIPAssignmentArgs]) (ReservedIPAssignmentArgs, []provider.CheckFailure, error) {
	var fs failures
	if checkIP(req.Inputs.IPAddress) != nil {
		fs.add("ipAddress", "ipAddress %q is not an IPv4 address", req.Inputs.IPAddress)
	}
	if req.Inputs.DropletID <= 0 {
		fs.add("dropletId", "dropletId %d is not a droplet's ID", req.Inputs.DropletID)
	}
	return req.Inputs, fs, nil
}

func (r *reservedIPAssignmentResource) assign(ctx context.Context, c *client, addr string, droplet int) error {
	a, _, err := c.godo.ReservedIPActions.Assign(ctx, addr, droplet)
	if err != nil {
		return fmt.Errorf("assign %s to droplet %d: %w", addr, droplet, err)
	}
	return c.waitAction(ctx, a, fmt.Sprintf("assign %s to droplet %d", addr, droplet))
}

// Create assigns the address and waits for the action.
func (r *reservedIPAssignmentResource) Create(ctx context.Context, req provider.CreateRequest[ReservedIPAssignmentArgs]) (provider.CreateResponse[ReservedIPAssignmentState], error) {
	c, err := r.p.client()
	if err != nil {
		return provider.CreateResponse[ReservedIPAssignmentState]{}, err
	}
	in := req.Inputs
	if err := r.assign(ctx, c, in.IPAddress, in.DropletID); err != nil {
		return provider.CreateResponse[ReservedIPAssignmentState]{}, err
	}
	return provider.CreateResponse[ReservedIPAssignmentState]{ID: in.IPAddress,
		Outputs: ReservedIPAssignmentState{in}}, nil
}

// read reports the assignment of addr when the address is assigned to a droplet (to another droplet than the
// state's: drift that the next update moves back).
func (r *reservedIPAssignmentResource) read(ctx context.Context, c *client, addr string) (provider.ReadResponse[ReservedIPAssignmentArgs, ReservedIPAssignmentState], error) {
	ip, found, err := c.getReservedIP(ctx, addr, false)
	if err != nil || !found || ip.Droplet == nil {
		return provider.ReadResponse[ReservedIPAssignmentArgs, ReservedIPAssignmentState]{}, wrapRead("reserved IP "+addr, err)
	}
	in := ReservedIPAssignmentArgs{IPAddress: ip.IP, DropletID: ip.Droplet.ID}
	return provider.ReadResponse[ReservedIPAssignmentArgs, ReservedIPAssignmentState]{ID: ip.IP,
		Inputs: in, Outputs: ReservedIPAssignmentState{in}}, nil
}

// Read reads the address's assignment for refresh and import.
func (r *reservedIPAssignmentResource) Read(ctx context.Context, req provider.ReadRequest[ReservedIPAssignmentArgs, ReservedIPAssignmentState]) (provider.ReadResponse[ReservedIPAssignmentArgs, ReservedIPAssignmentState], error) {
	c, err := r.p.client()
	if err != nil {
		return provider.ReadResponse[ReservedIPAssignmentArgs, ReservedIPAssignmentState]{}, err
	}
	if err := checkIP(req.ID); err != nil {
		return provider.ReadResponse[ReservedIPAssignmentArgs, ReservedIPAssignmentState]{}, fmt.Errorf("reserved IP assignment: %w", err)
	}
	return r.read(ctx, c, req.ID)
}

// Lookup finds the assignment a cut-off create made: the address assigned to the droplet the inputs name.
func (r *reservedIPAssignmentResource) Lookup(ctx context.Context, req provider.LookupRequest[ReservedIPAssignmentArgs]) (provider.ReadResponse[ReservedIPAssignmentArgs, ReservedIPAssignmentState], error) {
	c, err := r.p.client()
	if err != nil {
		return provider.ReadResponse[ReservedIPAssignmentArgs, ReservedIPAssignmentState]{}, err
	}
	resp, err := r.read(ctx, c, req.Inputs.IPAddress)
	if err != nil || resp.Inputs.DropletID != req.Inputs.DropletID {
		return provider.ReadResponse[ReservedIPAssignmentArgs, ReservedIPAssignmentState]{}, err
	}
	return resp, nil
}

// Update moves the address to the new droplet.
func (r *reservedIPAssignmentResource) Update(ctx context.Context, req provider.UpdateRequest[ReservedIPAssignmentArgs, ReservedIPAssignmentState]) (provider.UpdateResponse[ReservedIPAssignmentState], error) {
	c, err := r.p.client()
	if err != nil {
		return provider.UpdateResponse[ReservedIPAssignmentState]{}, err
	}
	if err := r.assign(ctx, c, req.Inputs.IPAddress, req.Inputs.DropletID); err != nil {
		return provider.UpdateResponse[ReservedIPAssignmentState]{}, err
	}
	return provider.UpdateResponse[ReservedIPAssignmentState]{Outputs: ReservedIPAssignmentState{req.Inputs}}, nil
}

// Delete unassigns the address if it is still assigned to the droplet of the assignment.
func (r *reservedIPAssignmentResource) Delete(ctx context.Context, req provider.DeleteRequest[ReservedIPAssignmentArgs, ReservedIPAssignmentState]) error {
	c, err := r.p.client()
	if err != nil {
		return err
	}
	addr := req.Inputs.IPAddress
	ip, found, err := c.getReservedIP(ctx, addr, false)
	if err != nil {
		return fmt.Errorf("read reserved IP %s before unassigning it: %w", addr, err)
	}
	if !found || ip.Droplet == nil || ip.Droplet.ID != req.Inputs.DropletID {
		return nil
	}
	a, _, err := c.godo.ReservedIPActions.Unassign(ctx, addr)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("unassign %s: %w", addr, err)
	}
	return c.waitAction(ctx, a, "unassign "+addr)
}
