package gcp

import (
	"context"
	"fmt"

	"cloud.google.com/go/compute/apiv1/computepb"
	"google.golang.org/protobuf/proto"

	"github.com/infrago/infra/sdk/provider"
)

const networkDoc = "A VPC network. It is created in custom mode (you add gcp:compute:Subnetwork objects) unless " +
	"autoCreateSubnetworks is set. routingMode changes in place; any other change replaces it. Import it by its path, " +
	"projects/P/global/networks/NAME."

// NetworkArgs are the inputs of gcp:compute:Network.
type NetworkArgs struct {
	Name                  *string `infra:"name,replace" doc:"The network's name. Unset: derived from the resource's name with a random suffix. A change replaces it."`
	Project               *string `infra:"project,replace" doc:"The project of the network. Unset: the provider's project."`
	Description           *string `infra:"description,replace" doc:"A description of the network. A change replaces it."`
	AutoCreateSubnetworks bool    `infra:"autoCreateSubnetworks,replace" default:"false" doc:"Whether Google creates a subnetwork in every region (auto mode). A change replaces it."`
	RoutingMode           *string `infra:"routingMode" default:"REGIONAL" doc:"REGIONAL (routers advertise the subnetworks of their region) or GLOBAL. A change updates the network in place."`
	MTU                   *int    `infra:"mtu,replace" doc:"The maximum transmission unit in bytes, 1300 to 8896. Unset: 1460. A change replaces it."`
}

// NetworkState are the outputs of gcp:compute:Network.
type NetworkState struct {
	NetworkArgs
	SelfLink  string `infra:"selfLink" doc:"The network's URL."`
	NetworkID string `infra:"networkId" doc:"The network's numeric ID."`
}

type networkResource struct{ p *gcpProvider }

// Check names the network and validates the routing mode.
func (r *networkResource) Check(_ context.Context, req provider.CheckRequest[NetworkArgs]) (NetworkArgs, []provider.CheckFailure, error) {
	in := req.Inputs
	if err := checkAutoName(req.URN, &req.OldInputs, &in, func(a *NetworkArgs) **string { return &a.Name }); err != nil {
		return in, nil, err
	}
	var fs []provider.CheckFailure
	if m := checkName("name", *in.Name); m != nil {
		fs = append(fs, provider.CheckFailure{Property: "name", Reason: *m})
	}
	if rm := str(in.RoutingMode); rm != "" && rm != "REGIONAL" && rm != "GLOBAL" {
		fs = append(fs, provider.CheckFailure{Property: "routingMode", Reason: fmt.Sprintf("routingMode %q is not REGIONAL or GLOBAL", rm)})
	}
	if in.MTU != nil && (*in.MTU < 1300 || *in.MTU > 8896) {
		fs = append(fs, provider.CheckFailure{Property: "mtu", Reason: fmt.Sprintf("mtu %d is not between 1300 and 8896", *in.MTU)})
	}
	return in, fs, nil
}

// Diff treats an unset project and mtu as unchanged.
func (r *networkResource) Diff(_ context.Context, req provider.DiffRequest[NetworkArgs, NetworkState]) (provider.DiffResponse, error) {
	return provider.DiffStructs(req.OldInputs, req.Inputs, "project", "mtu")
}

// Create inserts the network and waits for the operation.
func (r *networkResource) Create(ctx context.Context, req provider.CreateRequest[NetworkArgs]) (provider.CreateResponse[NetworkState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.CreateResponse[NetworkState]{}, err
	}
	in := req.Inputs
	project, err := c.needProject(in.Project)
	if err != nil {
		return provider.CreateResponse[NetworkState]{}, err
	}
	n := &computepb.Network{Name: in.Name, Description: in.Description, AutoCreateSubnetworks: proto.Bool(in.AutoCreateSubnetworks),
		RoutingConfig: &computepb.NetworkRoutingConfig{RoutingMode: in.RoutingMode}}
	if in.MTU != nil {
		n.Mtu = proto.Int32(int32(*in.MTU))
	}
	op, err := c.networks.Insert(ctx, &computepb.InsertNetworkRequest{Project: project, NetworkResource: n, RequestId: proto.String(requestID(req.IdempotencyToken))}, c.retry)
	if err != nil {
		return provider.CreateResponse[NetworkState]{}, fmt.Errorf("insert network %s: %w", *in.Name, err)
	}
	id := objectID{project: project, name: *in.Name}.path("global", "networks")
	if err := c.wait(ctx, op, "network "+id); err != nil {
		return provider.CreateResponse[NetworkState]{}, err
	}
	resp, err := r.read(ctx, c, id, &in, true)
	if err != nil || resp.ID == "" {
		return provider.CreateResponse[NetworkState]{ID: id, Outputs: NetworkState{NetworkArgs: in}}, notVisible(id, err)
	}
	return provider.CreateResponse[NetworkState]{ID: id, Outputs: resp.Outputs}, nil
}

func (r *networkResource) read(ctx context.Context, c *clients, id string, old *NetworkArgs, wait bool) (provider.ReadResponse[NetworkArgs, NetworkState], error) {
	oid, err := parseID(id, "global", "networks")
	if err != nil {
		return provider.ReadResponse[NetworkArgs, NetworkState]{}, err
	}
	n, err := getRetrying(ctx, c, func() (*computepb.Network, error) {
		return c.networks.Get(ctx, &computepb.GetNetworkRequest{Project: oid.project, Network: oid.name}, c.retry)
	}, !wait)
	if err != nil || n == nil {
		return provider.ReadResponse[NetworkArgs, NetworkState]{}, wrapRead(id, err)
	}
	in := NetworkArgs{Name: proto.String(n.GetName()), Project: proto.String(oid.project), Description: optStr(n.GetDescription()),
		AutoCreateSubnetworks: n.GetAutoCreateSubnetworks(), RoutingMode: optStr(n.GetRoutingConfig().GetRoutingMode())}
	if old != nil {
		if old.Project == nil {
			in.Project = nil
		}
		if old.MTU != nil || n.GetMtu() != 1460 {
			in.MTU = intPtr(int(n.GetMtu()))
		}
	} else if n.GetMtu() != 1460 {
		in.MTU = intPtr(int(n.GetMtu()))
	}
	st := NetworkState{NetworkArgs: in, SelfLink: n.GetSelfLink(), NetworkID: fmt.Sprint(n.GetId())}
	return provider.ReadResponse[NetworkArgs, NetworkState]{ID: id, Inputs: in, Outputs: st}, nil
}

// Read reads the network for refresh and import.
func (r *networkResource) Read(ctx context.Context, req provider.ReadRequest[NetworkArgs, NetworkState]) (provider.ReadResponse[NetworkArgs, NetworkState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.ReadResponse[NetworkArgs, NetworkState]{}, err
	}
	return r.read(ctx, c, req.ID, oldOf(req.Import, &req.Inputs), false)
}

// Lookup finds the network a cut-off create made by the operation its requestId started.
func (r *networkResource) Lookup(ctx context.Context, req provider.LookupRequest[NetworkArgs]) (provider.ReadResponse[NetworkArgs, NetworkState], error) {
	return lookupByOperation(ctx, r.p, req.URN, req.IdempotencyToken, r.read)
}

// Update changes the routing mode.
func (r *networkResource) Update(ctx context.Context, req provider.UpdateRequest[NetworkArgs, NetworkState]) (provider.UpdateResponse[NetworkState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.UpdateResponse[NetworkState]{}, err
	}
	oid, err := parseID(req.ID, "global", "networks")
	if err != nil {
		return provider.UpdateResponse[NetworkState]{}, err
	}
	op, err := c.networks.Patch(ctx, &computepb.PatchNetworkRequest{Project: oid.project, Network: oid.name, RequestId: proto.String(newRequestID()),
		NetworkResource: &computepb.Network{RoutingConfig: &computepb.NetworkRoutingConfig{RoutingMode: req.Inputs.RoutingMode}}}, c.retry)
	if err != nil {
		return provider.UpdateResponse[NetworkState]{}, fmt.Errorf("patch network %s: %w", req.ID, err)
	}
	if err := c.wait(ctx, op, "network "+req.ID); err != nil {
		return provider.UpdateResponse[NetworkState]{}, err
	}
	resp, err := r.read(ctx, c, req.ID, &req.Inputs, true)
	if err != nil || resp.ID == "" {
		return provider.UpdateResponse[NetworkState]{}, notVisible(req.ID, err)
	}
	return provider.UpdateResponse[NetworkState]{Outputs: resp.Outputs}, nil
}

// Delete deletes the network; one that is gone already is fine.
func (r *networkResource) Delete(ctx context.Context, req provider.DeleteRequest[NetworkArgs, NetworkState]) error {
	c, err := r.p.clients()
	if err != nil {
		return err
	}
	oid, err := parseID(req.ID, "global", "networks")
	if err != nil {
		return err
	}
	return c.deleteWith(ctx, req.ID, func(rid string) (*computeOp, error) {
		return c.networks.Delete(ctx, &computepb.DeleteNetworkRequest{Project: oid.project, Network: oid.name, RequestId: &rid}, c.retry)
	})
}
