package gcp

import (
	"context"
	"fmt"
	"net"

	"cloud.google.com/go/compute/apiv1/computepb"
	"google.golang.org/protobuf/proto"

	"github.com/infrago/infra/sdk/provider"
)

const subnetworkDoc = "A subnetwork of a VPC network in one region. privateIpGoogleAccess changes in place (with the " +
	"subnetwork's fingerprint); any other change replaces it. Import it by its path, projects/P/regions/R/subnetworks/NAME."

// SubnetworkArgs are the inputs of gcp:compute:Subnetwork.
type SubnetworkArgs struct {
	Name                  *string `infra:"name,replace" doc:"The subnetwork's name. Unset: derived from the resource's name with a random suffix."`
	Project               *string `infra:"project,replace" doc:"The project. Unset: the provider's project."`
	Region                *string `infra:"region,replace" doc:"The region. Unset: the provider's region."`
	Network               string  `infra:"network,replace" doc:"The network, by path (a gcp:compute:Network's ID) or partial URL such as global/networks/default."`
	IPCidrRange           string  `infra:"ipCidrRange,replace" doc:"The subnetwork's primary IPv4 range, such as 10.10.0.0/24. It may not overlap another subnetwork of the network."`
	Description           *string `infra:"description,replace" doc:"A description of the subnetwork."`
	PrivateIPGoogleAccess *bool   `infra:"privateIpGoogleAccess" doc:"Whether instances without external addresses may reach Google APIs. A change updates the subnetwork in place."`
}

// SubnetworkState are the outputs of gcp:compute:Subnetwork.
type SubnetworkState struct {
	SubnetworkArgs
	SelfLink       string `infra:"selfLink" doc:"The subnetwork's URL."`
	GatewayAddress string `infra:"gatewayAddress" doc:"The gateway address of the range."`
}

type subnetworkResource struct{ p *gcpProvider }

// Check names the subnetwork and validates its range.
func (r *subnetworkResource) Check(_ context.Context, req provider.CheckRequest[SubnetworkArgs]) (SubnetworkArgs, []provider.CheckFailure, error) {
	in := req.Inputs
	if err := checkAutoName(req.URN, &req.OldInputs, &in, func(a *SubnetworkArgs) **string { return &a.Name }); err != nil {
		return in, nil, err
	}
	var fs []provider.CheckFailure
	if m := checkName("name", *in.Name); m != nil {
		fs = append(fs, provider.CheckFailure{Property: "name", Reason: *m})
	}
	if _, n, err := net.ParseCIDR(in.IPCidrRange); err != nil || n.IP.To4() == nil || n.String() != in.IPCidrRange {
		fs = append(fs, provider.CheckFailure{Property: "ipCidrRange", Reason: fmt.Sprintf("ipCidrRange %q is not an IPv4 range in canonical form such as 10.10.0.0/24", in.IPCidrRange)})
	}
	if in.Network == "" {
		fs = append(fs, provider.CheckFailure{Property: "network", Reason: "network is empty; give a network's ID, such as a gcp:compute:Network's"})
	}
	return in, fs, nil
}

// Diff treats an unset project and region as unchanged, and the same network spelled differently as the same.
func (r *subnetworkResource) Diff(_ context.Context, req provider.DiffRequest[SubnetworkArgs, SubnetworkState]) (provider.DiffResponse, error) {
	news := req.Inputs
	if sameRef(news.Network, req.OldInputs.Network) {
		news.Network = req.OldInputs.Network
	}
	return provider.DiffStructs(req.OldInputs, news, "project", "region", "privateIpGoogleAccess")
}

// Create inserts the subnetwork and waits for the operation.
func (r *subnetworkResource) Create(ctx context.Context, req provider.CreateRequest[SubnetworkArgs]) (provider.CreateResponse[SubnetworkState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.CreateResponse[SubnetworkState]{}, err
	}
	in := req.Inputs
	project, err := c.needProject(in.Project)
	if err != nil {
		return provider.CreateResponse[SubnetworkState]{}, err
	}
	region, err := c.needRegion(in.Region)
	if err != nil {
		return provider.CreateResponse[SubnetworkState]{}, err
	}
	op, err := c.subnetworks.Insert(ctx, &computepb.InsertSubnetworkRequest{Project: project, Region: region, RequestId: proto.String(requestID(req.IdempotencyToken)),
		SubnetworkResource: &computepb.Subnetwork{Name: in.Name, Network: proto.String(in.Network), IpCidrRange: proto.String(in.IPCidrRange),
			Description: in.Description, PrivateIpGoogleAccess: in.PrivateIPGoogleAccess}}, c.retry)
	if err != nil {
		return provider.CreateResponse[SubnetworkState]{}, fmt.Errorf("insert subnetwork %s: %w", *in.Name, err)
	}
	id := objectID{project: project, location: region, name: *in.Name}.path("regions", "subnetworks")
	if err := c.wait(ctx, op, "subnetwork "+id); err != nil {
		return provider.CreateResponse[SubnetworkState]{}, err
	}
	resp, err := r.read(ctx, c, id, &in, true)
	if err != nil || resp.ID == "" {
		return provider.CreateResponse[SubnetworkState]{ID: id, Outputs: SubnetworkState{SubnetworkArgs: in}}, notVisible(id, err)
	}
	return provider.CreateResponse[SubnetworkState]{ID: id, Outputs: resp.Outputs}, nil
}

func (r *subnetworkResource) get(ctx context.Context, c *clients, oid objectID, wait bool) (*computepb.Subnetwork, error) {
	return getRetrying(ctx, c, func() (*computepb.Subnetwork, error) {
		return c.subnetworks.Get(ctx, &computepb.GetSubnetworkRequest{Project: oid.project, Region: oid.location, Subnetwork: oid.name}, c.retry)
	}, !wait)
}

func (r *subnetworkResource) read(ctx context.Context, c *clients, id string, old *SubnetworkArgs, wait bool) (provider.ReadResponse[SubnetworkArgs, SubnetworkState], error) {
	oid, err := parseID(id, "regions", "subnetworks")
	if err != nil {
		return provider.ReadResponse[SubnetworkArgs, SubnetworkState]{}, err
	}
	s, err := r.get(ctx, c, oid, wait)
	if err != nil || s == nil {
		return provider.ReadResponse[SubnetworkArgs, SubnetworkState]{}, wrapRead(id, err)
	}
	in := SubnetworkArgs{Name: proto.String(s.GetName()), Project: proto.String(oid.project), Region: proto.String(oid.location),
		Network: rel(s.GetNetwork()), IPCidrRange: s.GetIpCidrRange(), Description: optStr(s.GetDescription()),
		PrivateIPGoogleAccess: proto.Bool(s.GetPrivateIpGoogleAccess())}
	if old != nil {
		in.Project, in.Region = keepIfSet(old.Project, in.Project), keepIfSet(old.Region, in.Region)
		in.Network = str(keepRef(&old.Network, s.GetNetwork()))
		if old.PrivateIPGoogleAccess == nil && !s.GetPrivateIpGoogleAccess() {
			in.PrivateIPGoogleAccess = nil
		}
	}
	st := SubnetworkState{SubnetworkArgs: in, SelfLink: s.GetSelfLink(), GatewayAddress: s.GetGatewayAddress()}
	return provider.ReadResponse[SubnetworkArgs, SubnetworkState]{ID: id, Inputs: in, Outputs: st}, nil
}

// Read reads the subnetwork for refresh and import.
func (r *subnetworkResource) Read(ctx context.Context, req provider.ReadRequest[SubnetworkArgs, SubnetworkState]) (provider.ReadResponse[SubnetworkArgs, SubnetworkState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.ReadResponse[SubnetworkArgs, SubnetworkState]{}, err
	}
	return r.read(ctx, c, req.ID, oldOf(req.Import, &req.Inputs), false)
}

// Lookup finds the subnetwork a cut-off create made by the operation its requestId started.
func (r *subnetworkResource) Lookup(ctx context.Context, req provider.LookupRequest[SubnetworkArgs]) (provider.ReadResponse[SubnetworkArgs, SubnetworkState], error) {
	return lookupByOperation(ctx, r.p, req.URN, req.IdempotencyToken, r.read)
}

// Update patches privateIpGoogleAccess, naming the fingerprint read just before.
func (r *subnetworkResource) Update(ctx context.Context, req provider.UpdateRequest[SubnetworkArgs, SubnetworkState]) (provider.UpdateResponse[SubnetworkState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.UpdateResponse[SubnetworkState]{}, err
	}
	oid, err := parseID(req.ID, "regions", "subnetworks")
	if err != nil {
		return provider.UpdateResponse[SubnetworkState]{}, err
	}
	err = withFingerprint(ctx, c, "subnetwork "+req.ID, func() (*computeOp, error) {
		s, err := r.get(ctx, c, oid, false)
		if err != nil || s == nil {
			return nil, notVisible(req.ID, err)
		}
		return c.subnetworks.Patch(ctx, &computepb.PatchSubnetworkRequest{Project: oid.project, Region: oid.location, Subnetwork: oid.name,
			RequestId: proto.String(newRequestID()), SubnetworkResource: &computepb.Subnetwork{Fingerprint: s.Fingerprint,
				PrivateIpGoogleAccess: proto.Bool(req.Inputs.PrivateIPGoogleAccess != nil && *req.Inputs.PrivateIPGoogleAccess)}}, c.retry)
	})
	if err != nil {
		return provider.UpdateResponse[SubnetworkState]{}, err
	}
	resp, err := r.read(ctx, c, req.ID, &req.Inputs, true)
	if err != nil || resp.ID == "" {
		return provider.UpdateResponse[SubnetworkState]{}, notVisible(req.ID, err)
	}
	return provider.UpdateResponse[SubnetworkState]{Outputs: resp.Outputs}, nil
}

// Delete deletes the subnetwork.
func (r *subnetworkResource) Delete(ctx context.Context, req provider.DeleteRequest[SubnetworkArgs, SubnetworkState]) error {
	c, err := r.p.clients()
	if err != nil {
		return err
	}
	oid, err := parseID(req.ID, "regions", "subnetworks")
	if err != nil {
		return err
	}
	return c.deleteWith(ctx, req.ID, func(rid string) (*computeOp, error) {
		return c.subnetworks.Delete(ctx, &computepb.DeleteSubnetworkRequest{Project: oid.project, Region: oid.location, Subnetwork: oid.name, RequestId: &rid}, c.retry)
	})
}
