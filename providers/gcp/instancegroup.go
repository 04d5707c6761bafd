package gcp

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"cloud.google.com/go/compute/apiv1/computepb"
	"google.golang.org/api/googleapi"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/infrago/infra/sdk/provider"
)

const instanceGroupDoc = "An unmanaged, zonal instance group: the instances a backend service of the global HTTP load " +
	"balancer sends traffic to, with the named ports that tell it which port a portName means. instances change in " +
	"place (addInstances, removeInstances) and namedPorts with setNamedPorts and the group's fingerprint; any other " +
	"change replaces it. Instance groups carry no labels, so a create cut off by a crash is found again by the " +
	"operation its requestId started. Import it by its path, projects/P/zones/Z/instanceGroups/NAME."

// NamedPort is a name for a port of an instance group's instances.
type NamedPort struct {
	Name string `infra:"name" doc:"The port's name, which a backend service's portName refers to, such as http."`
	Port int    `infra:"port" doc:"The port number, 1 to 65535."`
}

// Doc describes NamedPort in the schema.
func (NamedPort) Doc() string { return "A named port of an instance group." }

// InstanceGroupArgs are the inputs of gcp:compute:InstanceGroup.
type InstanceGroupArgs struct {
	Name        *string     `infra:"name,replace" doc:"The group's name. Unset: derived from the resource's name with a random suffix."`
	Project     *string     `infra:"project,replace" doc:"The project. Unset: the provider's project."`
	Zone        *string     `infra:"zone,replace" doc:"The zone of the group and of its instances. Unset: the provider's zone."`
	Description *string     `infra:"description,replace" doc:"A description of the group."`
	Network     *string     `infra:"network,replace" doc:"The network of the group's instances, by path or partial URL. Unset: global/networks/default."`
	NamedPorts  []NamedPort `infra:"namedPorts" doc:"The group's named ports. A change updates the group in place."`
	Instances   []string    `infra:"instances" doc:"The group's instances, by path (gcp:compute:Instance IDs) or self link, in the group's zone. A change adds and removes members in place."`
}

// InstanceGroupState are the outputs of gcp:compute:InstanceGroup.
type InstanceGroupState struct {
	InstanceGroupArgs
	SelfLink string `infra:"selfLink" doc:"The group's URL, which a backend's group names."`
	Size     int    `infra:"size" doc:"How many instances the group holds."`
}

type instanceGroupResource struct{ p *gcpProvider }

// Check names the group and validates what the schema cannot.
func (r *instanceGroupResource) Check(_ context.Context, req provider.CheckRequest[InstanceGroupArgs]) (InstanceGroupArgs, []provider.CheckFailure, error) {
	in := req.Inputs
	if err := checkAutoName(req.URN, &req.OldInputs, &in, func(a *InstanceGroupArgs) **string { return &a.Name }); err != nil {
		return in, nil, err
	}
	var fs []provider.CheckFailure
	fail := func(p, format string, args ...any) {
		fs = append(fs, provider.CheckFailure{Property: p, Reason: fmt.Sprintf(format, args...)})
	}
	if m := checkName("name", *in.Name); m != nil {
		fail("name", "%s", *m)
	}
	seen := map[string]bool{}
	for i, np := range in.NamedPorts {
		if m := checkName("namedPorts.name", np.Name); m != nil {
			fail(fmt.Sprintf("namedPorts[%d].name", i), "%s", *m)
		}
		if np.Port < 1 || np.Port > 65535 {
			fail(fmt.Sprintf("namedPorts[%d].port", i), "port %d is not between 1 and 65535", np.Port)
		}
		if seen[np.Name] {
			fail(fmt.Sprintf("namedPorts[%d].name", i), "the named port %q is given twice", np.Name)
		}
		seen[np.Name] = true
	}
	for i, inst := range in.Instances {
		oid, err := parseID(inst, "zones", "instances")
		if err != nil {
			fail(fmt.Sprintf("instances[%d]", i), "instances: %s", err)
			continue
		}
		if in.Zone != nil && *in.Zone != "" && oid.location != *in.Zone {
			fail(fmt.Sprintf("instances[%d]", i), "instance %s is in zone %s, not in the group's zone %s", inst, oid.location, *in.Zone)
		}
	}
	return in, fs, nil
}

// sameRefSet reports whether two lists of references name the same objects, in any order.
func sameRefSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	return len(missing(a, b)) == 0 && len(missing(b, a)) == 0
}

// missing are the references of want that have lists no equivalent of.
func missing(want, have []string) []string {
	var out []string
	for _, w := range want {
		found := false
		for _, h := range have {
			if sameRef(w, h) {
				found = true
				break
			}
		}
		if !found {
			out = append(out, w)
		}
	}
	return out
}

// Diff treats unset project, zone and network as unchanged, and the same members in another order as the same.
func (r *instanceGroupResource) Diff(_ context.Context, req provider.DiffRequest[InstanceGroupArgs, InstanceGroupState]) (provider.DiffResponse, error) {
	news := req.Inputs
	if sameRefSet(news.Instances, req.OldInputs.Instances) {
		news.Instances = req.OldInputs.Instances
	}
	if news.Network != nil && req.OldInputs.Network != nil && sameRef(*news.Network, *req.OldInputs.Network) {
		news.Network = req.OldInputs.Network
	}
	return provider.DiffStructs(req.OldInputs, news, "project", "zone", "network")
}

func namedPortsPB(nps []NamedPort) []*computepb.NamedPort {
	out := make([]*computepb.NamedPort, len(nps))
	for i, np := range nps {
		out[i] = &computepb.NamedPort{Name: proto.String(np.Name), Port: proto.Int32(int32(np.Port))}
	}
	return out
}

func instanceRefs(links []string) []*computepb.InstanceReference {
	out := make([]*computepb.InstanceReference, len(links))
	for i, l := range links {
		out[i] = &computepb.InstanceReference{Instance: proto.String(l)}
	}
	return out
}

// Create inserts the group and adds its instances.
func (r *instanceGroupResource) Create(ctx context.Context, req provider.CreateRequest[InstanceGroupArgs]) (provider.CreateResponse[InstanceGroupState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.CreateResponse[InstanceGroupState]{}, err
	}
	in := req.Inputs
	project, err := c.needProject(in.Project)
	if err != nil {
		return provider.CreateResponse[InstanceGroupState]{}, err
	}
	zone, err := c.needZone(in.Zone)
	if err != nil {
		return provider.CreateResponse[InstanceGroupState]{}, err
	}
	network := "global/networks/default"
	if in.Network != nil {
		network = *in.Network
	}
	op, err := c.instanceGroups.Insert(ctx, &computepb.InsertInstanceGroupRequest{Project: project, Zone: zone, RequestId: proto.String(requestID(req.IdempotencyToken)),
		InstanceGroupResource: &computepb.InstanceGroup{Name: in.Name, Description: in.Description, Network: proto.String(network),
			NamedPorts: namedPortsPB(in.NamedPorts)}}, c.retry)
	if err != nil {
		return provider.CreateResponse[InstanceGroupState]{}, fmt.Errorf("insert instance group %s: %w", *in.Name, err)
	}
	oid := objectID{project: project, location: zone, name: *in.Name}
	id := oid.path("zones", "instanceGroups")
	if err := c.wait(ctx, op, "instance group "+id); err != nil {
		return provider.CreateResponse[InstanceGroupState]{}, err
	}
	if err := r.members(ctx, c, oid, in.Instances, nil); err != nil {
		return provider.CreateResponse[InstanceGroupState]{ID: id, Outputs: InstanceGroupState{InstanceGroupArgs: in}}, err
	}
	resp, err := r.read(ctx, c, id, &in, true)
	if err != nil || resp.ID == "" {
		return provider.CreateResponse[InstanceGroupState]{ID: id, Outputs: InstanceGroupState{InstanceGroupArgs: in}}, notVisible(id, err)
	}
	return provider.CreateResponse[InstanceGroupState]{ID: id, Outputs: resp.Outputs}, nil
}

// members adds the instances of add and removes those of remove.
func (r *instanceGroupResource) members(ctx context.Context, c *clients, oid objectID, add, remove []string) error {
	id := oid.path("zones", "instanceGroups")
	if len(remove) > 0 {
		op, err := c.instanceGroups.RemoveInstances(ctx, &computepb.RemoveInstancesInstanceGroupRequest{Project: oid.project, Zone: oid.location,
			InstanceGroup: oid.name, RequestId: proto.String(newRequestID()),
			InstanceGroupsRemoveInstancesRequestResource: &computepb.InstanceGroupsRemoveInstancesRequest{Instances: instanceRefs(remove)}}, c.retry)
		if err != nil {
			return fmt.Errorf("remove instances from %s: %w", id, err)
		}
		if err := c.wait(ctx, op, "the removal of instances from "+id); err != nil {
			return err
		}
	}
	if len(add) > 0 {
		op, err := c.instanceGroups.AddInstances(ctx, &computepb.AddInstancesInstanceGroupRequest{Project: oid.project, Zone: oid.location,
			InstanceGroup: oid.name, RequestId: proto.String(newRequestID()),
			InstanceGroupsAddInstancesRequestResource: &computepb.InstanceGroupsAddInstancesRequest{Instances: instanceRefs(add)}}, c.retry)
		if err != nil {
			return fmt.Errorf("add instances to %s: %w", id, err)
		}
		if err := c.wait(ctx, op, "the addition of instances to "+id); err != nil {
			return err
		}
	}
	return nil
}

func (r *instanceGroupResource) get(ctx context.Context, c *clients, oid objectID, wait bool) (*computepb.InstanceGroup, error) {
	return getRetrying(ctx, c, func() (*computepb.InstanceGroup, error) {
		return c.instanceGroups.Get(ctx, &computepb.GetInstanceGroupRequest{Project: oid.project, Zone: oid.location, InstanceGroup: oid.name}, c.retry)
	}, !wait)
}

// listMembers lists the self links of a group's instances, following the pages.
func (r *instanceGroupResource) listMembers(ctx context.Context, c *clients, oid objectID) ([]string, error) {
	id := oid.path("zones", "instanceGroups")
	var out []string
	token := ""
	for {
		u := c.computeBase + "/compute/v1/" + id + "/listInstances"
		if token != "" {
			u += "?pageToken=" + url.QueryEscape(token)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(`{"instanceState":"ALL"}`))
		if err != nil {
			return nil, fmt.Errorf("list the instances of %s: %w", id, err)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.computeHTTP.Do(req)
		if err != nil {
			return nil, fmt.Errorf("list the instances of %s: %w", id, err)
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
		_ = resp.Body.Close()
		if err == nil {
			resp.Body = io.NopCloser(bytes.NewReader(body))
			err = googleapi.CheckResponse(resp)
		}
		if err != nil {
			return nil, fmt.Errorf("list the instances of %s: %w", id, err)
		}
		page, err := decodeGroupMembers(body)
		if err != nil {
			return nil, fmt.Errorf("list the instances of %s: %w", id, err)
		}
		for _, m := range page.GetItems() {
			out = append(out, m.GetInstance())
		}
		if token = page.GetNextPageToken(); token == "" {
			return out, nil
		}
	}
}

// decodeGroupMembers reads one page of an instanceGroups.listInstances answer.
func decodeGroupMembers(body []byte) (*computepb.InstanceGroupsListInstances, error) {
	var page computepb.InstanceGroupsListInstances
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(body, &page); err != nil {
		return nil, fmt.Errorf("decode the answer: %w", err)
	}
	return &page, nil
}

func (r *instanceGroupResource) read(ctx context.Context, c *clients, id string, old *InstanceGroupArgs, wait bool) (provider.ReadResponse[InstanceGroupArgs, InstanceGroupState], error) {
	oid, err := parseID(id, "zones", "instanceGroups")
	if err != nil {
		return provider.ReadResponse[InstanceGroupArgs, InstanceGroupState]{}, err
	}
	g, err := r.get(ctx, c, oid, wait)
	if err != nil || g == nil {
		return provider.ReadResponse[InstanceGroupArgs, InstanceGroupState]{}, wrapRead(id, err)
	}
	live, err := r.listMembers(ctx, c, oid)
	if isNotFound(err) {
		return provider.ReadResponse[InstanceGroupArgs, InstanceGroupState]{}, nil
	}
	if err != nil {
		return provider.ReadResponse[InstanceGroupArgs, InstanceGroupState]{}, err
	}
	in := InstanceGroupArgs{Name: proto.String(g.GetName()), Project: proto.String(oid.project), Zone: proto.String(oid.location),
		Description: optStr(g.GetDescription()), Network: keepRef(nil, g.GetNetwork()), Instances: keepRefs(nil, live)}
	for _, np := range g.GetNamedPorts() {
		in.NamedPorts = append(in.NamedPorts, NamedPort{Name: np.GetName(), Port: int(np.GetPort())})
	}
	if old != nil {
		in.Project, in.Zone = keepIfSet(old.Project, in.Project), keepIfSet(old.Zone, in.Zone)
		if old.Network == nil {
			in.Network = nil
		} else {
			in.Network = keepRef(old.Network, g.GetNetwork())
		}
		if sameRefSet(old.Instances, live) {
			in.Instances = old.Instances
		}
	}
	st := InstanceGroupState{InstanceGroupArgs: in, SelfLink: g.GetSelfLink(), Size: len(live)}
	return provider.ReadResponse[InstanceGroupArgs, InstanceGroupState]{ID: id, Inputs: in, Outputs: st}, nil
}

// Read reads the group and its members for refresh and import.
func (r *instanceGroupResource) Read(ctx context.Context, req provider.ReadRequest[InstanceGroupArgs, InstanceGroupState]) (provider.ReadResponse[InstanceGroupArgs, InstanceGroupState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.ReadResponse[InstanceGroupArgs, InstanceGroupState]{}, err
	}
	return r.read(ctx, c, req.ID, oldOf(req.Import, &req.Inputs), false)
}

// Lookup finds the group a cut-off create made by the operation its requestId started.
func (r *instanceGroupResource) Lookup(ctx context.Context, req provider.LookupRequest[InstanceGroupArgs]) (provider.ReadResponse[InstanceGroupArgs, InstanceGroupState], error) {
	return lookupByOperation(ctx, r.p, req.URN, req.IdempotencyToken, r.read)
}

// Update sets the named ports and adds and removes members.
func (r *instanceGroupResource) Update(ctx context.Context, req provider.UpdateRequest[InstanceGroupArgs, InstanceGroupState]) (provider.UpdateResponse[InstanceGroupState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.UpdateResponse[InstanceGroupState]{}, err
	}
	oid, err := parseID(req.ID, "zones", "instanceGroups")
	if err != nil {
		return provider.UpdateResponse[InstanceGroupState]{}, err
	}
	g, err := r.get(ctx, c, oid, false)
	if err != nil || g == nil {
		return provider.UpdateResponse[InstanceGroupState]{}, notVisible(req.ID, err)
	}
	var live []NamedPort
	for _, np := range g.GetNamedPorts() {
		live = append(live, NamedPort{Name: np.GetName(), Port: int(np.GetPort())})
	}
	if !sameNamedPorts(live, req.Inputs.NamedPorts) {
		err := withFingerprint(ctx, c, "the named ports of "+req.ID, func() (*computeOp, error) {
			cur, err := r.get(ctx, c, oid, false)
			if err != nil || cur == nil {
				return nil, notVisible(req.ID, err)
			}
			return c.instanceGroups.SetNamedPorts(ctx, &computepb.SetNamedPortsInstanceGroupRequest{Project: oid.project, Zone: oid.location,
				InstanceGroup: oid.name, RequestId: proto.String(newRequestID()), InstanceGroupsSetNamedPortsRequestResource: &computepb.InstanceGroupsSetNamedPortsRequest{
					NamedPorts: namedPortsPB(req.Inputs.NamedPorts), Fingerprint: cur.Fingerprint}}, c.retry)
		})
		if err != nil {
			return provider.UpdateResponse[InstanceGroupState]{}, err
		}
	}
	members, err := r.listMembers(ctx, c, oid)
	if err != nil {
		return provider.UpdateResponse[InstanceGroupState]{}, err
	}
	if err := r.members(ctx, c, oid, missing(req.Inputs.Instances, members), missing(members, req.Inputs.Instances)); err != nil {
		return provider.UpdateResponse[InstanceGroupState]{}, err
	}
	resp, err := r.read(ctx, c, req.ID, &req.Inputs, true)
	if err != nil || resp.ID == "" {
		return provider.UpdateResponse[InstanceGroupState]{}, notVisible(req.ID, err)
	}
	return provider.UpdateResponse[InstanceGroupState]{Outputs: resp.Outputs}, nil
}

func sameNamedPorts(a, b []NamedPort) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Delete deletes the group (its instances stay).
func (r *instanceGroupResource) Delete(ctx context.Context, req provider.DeleteRequest[InstanceGroupArgs, InstanceGroupState]) error {
	c, err := r.p.clients()
	if err != nil {
		return err
	}
	oid, err := parseID(req.ID, "zones", "instanceGroups")
	if err != nil {
		return err
	}
	return c.deleteWith(ctx, req.ID, func(rid string) (*computeOp, error) {
		return c.instanceGroups.Delete(ctx, &computepb.DeleteInstanceGroupRequest{Project: oid.project, Zone: oid.location, InstanceGroup: oid.name, RequestId: &rid}, c.retry)
	})
}
