package gcp

import (
	"context"
	"fmt"
	"net"

	"cloud.google.com/go/compute/apiv1/computepb"
	"google.golang.org/protobuf/proto"

	"github.com/infrago/infra/sdk/provider"
)

const addressDoc = "A static IP address: regional (for a network load balancer's forwarding rule or an instance) or global " +
	"(for the global HTTP load balancer), external or internal. Labels change in place (setLabels with the label " +
	"fingerprint); any other change replaces it. Import it by its path, projects/P/regions/R/addresses/NAME or " +
	"projects/P/global/addresses/NAME."

// AddressArgs are the inputs of gcp:compute:Address.
type AddressArgs struct {
	Name        *string           `infra:"name,replace" doc:"The address's name. Unset: derived from the resource's name with a random suffix."`
	Project     *string           `infra:"project,replace" doc:"The project. Unset: the provider's project."`
	Global      bool              `infra:"global,replace" default:"false" doc:"Whether the address is global (for global forwarding rules) instead of regional."`
	Region      *string           `infra:"region,replace" doc:"The region of a regional address. Unset: the provider's region."`
	AddressType string            `infra:"addressType,replace" default:"EXTERNAL" doc:"EXTERNAL (reachable from the internet) or INTERNAL (from a subnetwork's range)."`
	Subnetwork  *string           `infra:"subnetwork,replace" doc:"The subnetwork an internal address is taken from. Unset: the region's default subnetwork."`
	Address     *string           `infra:"address,replace" doc:"The address to reserve. Unset: Google picks one."`
	Description *string           `infra:"description,replace" doc:"A description of the address."`
	Labels      map[string]string `infra:"labels" doc:"The labels of the address; the provider's default labels are added. A change updates it in place."`
}

// AddressState are the outputs of gcp:compute:Address. The address's status (RESERVED or IN_USE) is not one:
// it changes when a forwarding rule starts using the address, which a refresh would report as drift of an
// address nothing changed.
type AddressState struct {
	AddressArgs
	IPAddress       string            `infra:"ipAddress" doc:"The reserved IP address."`
	SelfLink        string            `infra:"selfLink" doc:"The address's URL."`
	EffectiveLabels map[string]string `infra:"effectiveLabels" doc:"The labels of the address: its own and the provider's default labels together."`
}

type addressResource struct{ p *gcpProvider }

// Check names the address and validates what the schema cannot.
func (r *addressResource) Check(_ context.Context, req provider.CheckRequest[AddressArgs]) (AddressArgs, []provider.CheckFailure, error) {
	in := req.Inputs
	if err := checkAutoName(req.URN, &req.OldInputs, &in, func(a *AddressArgs) **string { return &a.Name }); err != nil {
		return in, nil, err
	}
	var fs []provider.CheckFailure
	if m := checkName("name", *in.Name); m != nil {
		fs = append(fs, provider.CheckFailure{Property: "name", Reason: *m})
	}
	if in.AddressType != "EXTERNAL" && in.AddressType != "INTERNAL" {
		fs = append(fs, provider.CheckFailure{Property: "addressType", Reason: fmt.Sprintf("addressType %q is not EXTERNAL or INTERNAL", in.AddressType)})
	}
	if in.Global && in.Region != nil {
		fs = append(fs, provider.CheckFailure{Property: "region", Reason: "a global address has no region; unset region or global"})
	}
	if in.Address != nil && net.ParseIP(*in.Address) == nil {
		fs = append(fs, provider.CheckFailure{Property: "address", Reason: fmt.Sprintf("address %q is not an IP address", *in.Address)})
	}
	fs = append(fs, checkLabelMap("labels", in.Labels)...)
	return in, fs, nil
}

// Diff treats inputs Google chose as unchanged while the program leaves them unset.
func (r *addressResource) Diff(_ context.Context, req provider.DiffRequest[AddressArgs, AddressState]) (provider.DiffResponse, error) {
	return provider.DiffStructs(req.OldInputs, req.Inputs, "project", "region", "subnetwork", "address")
}

// Create reserves the address, labelled with the create's token, and waits for the operation.
func (r *addressResource) Create(ctx context.Context, req provider.CreateRequest[AddressArgs]) (provider.CreateResponse[AddressState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.CreateResponse[AddressState]{}, err
	}
	in := req.Inputs
	project, err := c.needProject(in.Project)
	if err != nil {
		return provider.CreateResponse[AddressState]{}, err
	}
	a := &computepb.Address{Name: in.Name, AddressType: proto.String(in.AddressType), Subnetwork: in.Subnetwork, Address: in.Address,
		Description: in.Description, Labels: c.createLabels(req.URN, req.IdempotencyToken, in.Labels)}
	rid := proto.String(requestID(req.IdempotencyToken))
	var op *computeOp
	var id string
	if in.Global {
		op, err = c.globalAddresses.Insert(ctx, &computepb.InsertGlobalAddressRequest{Project: project, AddressResource: a, RequestId: rid}, c.retry)
		id = objectID{project: project, name: *in.Name}.path("global", "addresses")
	} else {
		region, rerr := c.needRegion(in.Region)
		if rerr != nil {
			return provider.CreateResponse[AddressState]{}, rerr
		}
		op, err = c.addresses.Insert(ctx, &computepb.InsertAddressRequest{Project: project, Region: region, AddressResource: a, RequestId: rid}, c.retry)
		id = objectID{project: project, location: region, name: *in.Name}.path("regions", "addresses")
	}
	if err != nil {
		return provider.CreateResponse[AddressState]{}, fmt.Errorf("insert address %s: %w", *in.Name, err)
	}
	if err := c.wait(ctx, op, "address "+id); err != nil {
		return provider.CreateResponse[AddressState]{}, err
	}
	resp, err := r.read(ctx, c, id, &in, true)
	if err != nil || resp.ID == "" {
		return provider.CreateResponse[AddressState]{ID: id, Outputs: AddressState{AddressArgs: in}}, notVisible(id, err)
	}
	return provider.CreateResponse[AddressState]{ID: id, Outputs: resp.Outputs}, nil
}

// addressID reads either form of an address's ID.
func addressID(id string) (objectID, bool, error) {
	if oid, err := parseID(id, "global", "addresses"); err == nil {
		return oid, true, nil
	}
	oid, err := parseID(id, "regions", "addresses")
	if err != nil {
		return objectID{}, false, fmt.Errorf("ID %q is not of the form projects/P/regions/R/addresses/NAME or projects/P/global/addresses/NAME", id)
	}
	return oid, false, nil
}

func (r *addressResource) get(ctx context.Context, c *clients, id string, wait bool) (*computepb.Address, objectID, bool, error) {
	oid, global, err := addressID(id)
	if err != nil {
		return nil, oid, global, err
	}
	a, err := getRetrying(ctx, c, func() (*computepb.Address, error) {
		if global {
			return c.globalAddresses.Get(ctx, &computepb.GetGlobalAddressRequest{Project: oid.project, Address: oid.name}, c.retry)
		}
		return c.addresses.Get(ctx, &computepb.GetAddressRequest{Project: oid.project, Region: oid.location, Address: oid.name}, c.retry)
	}, !wait)
	return a, oid, global, err
}

func (r *addressResource) read(ctx context.Context, c *clients, id string, old *AddressArgs, wait bool) (provider.ReadResponse[AddressArgs, AddressState], error) {
	a, oid, global, err := r.get(ctx, c, id, wait)
	if err != nil || a == nil {
		return provider.ReadResponse[AddressArgs, AddressState]{}, wrapRead(id, err)
	}
	in := AddressArgs{Name: proto.String(a.GetName()), Project: proto.String(oid.project), Global: global, AddressType: a.GetAddressType(),
		Address: proto.String(a.GetAddress()), Description: optStr(a.GetDescription())}
	if !global {
		in.Region = proto.String(oid.location)
	}
	if a.GetSubnetwork() != "" {
		in.Subnetwork = proto.String(rel(a.GetSubnetwork()))
	}
	var oldLabels map[string]string
	if old != nil {
		oldLabels = old.Labels
		in.Project, in.Region, in.Address = keepIfSet(old.Project, in.Project), keepIfSet(old.Region, in.Region), keepIfSet(old.Address, in.Address)
		in.Subnetwork = nil
		if old.Subnetwork != nil {
			in.Subnetwork = keepRef(old.Subnetwork, a.GetSubnetwork())
		}
	}
	in.Labels = c.userLabels(a.GetLabels(), oldLabels)
	st := AddressState{AddressArgs: in, IPAddress: a.GetAddress(), SelfLink: a.GetSelfLink(),
		EffectiveLabels: visibleLabels(a.GetLabels())}
	return provider.ReadResponse[AddressArgs, AddressState]{ID: id, Inputs: in, Outputs: st}, nil
}

// Read reads the address for refresh and import.
func (r *addressResource) Read(ctx context.Context, req provider.ReadRequest[AddressArgs, AddressState]) (provider.ReadResponse[AddressArgs, AddressState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.ReadResponse[AddressArgs, AddressState]{}, err
	}
	return r.read(ctx, c, req.ID, oldOf(req.Import, &req.Inputs), false)
}

// Lookup finds the address a cut-off create made by the operation its requestId started.
func (r *addressResource) Lookup(ctx context.Context, req provider.LookupRequest[AddressArgs]) (provider.ReadResponse[AddressArgs, AddressState], error) {
	return lookupByOperation(ctx, r.p, req.URN, req.IdempotencyToken, r.read)
}

// Update sets the labels, naming the label fingerprint read just before.
func (r *addressResource) Update(ctx context.Context, req provider.UpdateRequest[AddressArgs, AddressState]) (provider.UpdateResponse[AddressState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.UpdateResponse[AddressState]{}, err
	}
	err = withFingerprint(ctx, c, "the labels of address "+req.ID, func() (*computeOp, error) {
		a, oid, global, err := r.get(ctx, c, req.ID, false)
		if err != nil || a == nil {
			return nil, notVisible(req.ID, err)
		}
		labels := withInternal(a.GetLabels(), c.desiredLabels(req.Inputs.Labels))
		if global {
			return c.globalAddresses.SetLabels(ctx, &computepb.SetLabelsGlobalAddressRequest{Project: oid.project, Resource: oid.name,
				GlobalSetLabelsRequestResource: &computepb.GlobalSetLabelsRequest{Labels: labels, LabelFingerprint: a.LabelFingerprint}}, c.retry)
		}
		return c.addresses.SetLabels(ctx, &computepb.SetLabelsAddressRequest{Project: oid.project, Region: oid.location, Resource: oid.name,
			RequestId: proto.String(newRequestID()), RegionSetLabelsRequestResource: &computepb.RegionSetLabelsRequest{Labels: labels, LabelFingerprint: a.LabelFingerprint}}, c.retry)
	})
	if err != nil {
		return provider.UpdateResponse[AddressState]{}, err
	}
	resp, err := r.read(ctx, c, req.ID, &req.Inputs, true)
	if err != nil || resp.ID == "" {
		return provider.UpdateResponse[AddressState]{}, notVisible(req.ID, err)
	}
	return provider.UpdateResponse[AddressState]{Outputs: resp.Outputs}, nil
}

// Delete releases the address.
func (r *addressResource) Delete(ctx context.Context, req provider.DeleteRequest[AddressArgs, AddressState]) error {
	c, err := r.p.clients()
	if err != nil {
		return err
	}
	oid, global, err := addressID(req.ID)
	if err != nil {
		return err
	}
	return c.deleteWith(ctx, req.ID, func(rid string) (*computeOp, error) {
		if global {
			return c.globalAddresses.Delete(ctx, &computepb.DeleteGlobalAddressRequest{Project: oid.project, Address: oid.name, RequestId: &rid}, c.retry)
		}
		return c.addresses.Delete(ctx, &computepb.DeleteAddressRequest{Project: oid.project, Region: oid.location, Address: oid.name, RequestId: &rid}, c.retry)
	})
}
