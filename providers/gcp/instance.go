package gcp

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"slices"
	"strings"
	"time"

	"cloud.google.com/go/compute/apiv1/computepb"
	"google.golang.org/api/iterator"
	"google.golang.org/protobuf/proto"

	"github.com/infrago/infra/sdk/provider"
)

const instanceDoc = "A Compute Engine VM. It is inserted with the create's idempotency token as its requestId and " +
	"labelled infra-token (and infra-urn), and the create waits until it is RUNNING. labels, metadata (userData and " +
	"startupScript included), and tags change in place with their fingerprints; machineType and serviceAccount change " +
	"by stopping the instance, changing it and starting it again when allowStoppingForUpdate is set, and replace it " +
	"otherwise; any other change replaces it. Import it by its path, projects/P/zones/Z/instances/NAME."

// BootDisk is the disk an instance boots from, created with it and deleted with it.
type BootDisk struct {
	Image  string  `infra:"image" doc:"The image to boot: a path such as projects/debian-cloud/global/images/family/debian-12 (the newest of a family) or the imageId of gcp:compute:getImage."`
	SizeGB *int    `infra:"sizeGb" doc:"The disk's size in GB (at least the image's, 10). Unset: the image's size."`
	Type   *string `infra:"type" doc:"The disk type: pd-standard, pd-balanced or pd-ssd. Unset: pd-standard."`
}

// Doc describes BootDisk in the schema.
func (BootDisk) Doc() string { return "The boot disk of an instance." }

// ServiceAccount is the identity an instance's programs call Google APIs as.
type ServiceAccount struct {
	Email  string   `infra:"email" doc:"The service account's email, or default for the project's Compute Engine default service account."`
	Scopes []string `infra:"scopes" doc:"The OAuth scopes, such as https://www.googleapis.com/auth/cloud-platform."`
}

// Doc describes ServiceAccount in the schema.
func (ServiceAccount) Doc() string { return "The service account of an instance." }

// InstanceArgs are the inputs of gcp:compute:Instance.
type InstanceArgs struct {
	Name                   *string           `infra:"name,replace" doc:"The instance's name (its hostname). Unset: derived from the resource's name with a random suffix."`
	Project                *string           `infra:"project,replace" doc:"The project. Unset: the provider's project."`
	Zone                   *string           `infra:"zone,replace" doc:"The zone. Unset: the provider's zone."`
	MachineType            string            `infra:"machineType" default:"e2-micro" doc:"The machine type, such as e2-micro or n2-standard-2. A change stops the instance, changes it and starts it again when allowStoppingForUpdate is set, and replaces it otherwise."`
	BootDisk               BootDisk          `infra:"bootDisk,replace" doc:"The boot disk. A change replaces the instance."`
	Network                *string           `infra:"network,replace" doc:"The network of the instance's interface. Unset: the subnetwork's, or global/networks/default."`
	Subnetwork             *string           `infra:"subnetwork,replace" doc:"The subnetwork of the instance's interface, in the zone's region. Unset: the region's default subnetwork."`
	ExternalIP             string            `infra:"externalIp,replace" default:"ephemeral" doc:"The instance's external IPv4 address: ephemeral (Google picks one), none (no external address), or a reserved address (a gcp:compute:Address's ipAddress)."`
	UserData               *string           `infra:"userData" doc:"The cloud-init user data (the user-data metadata key), typically a #cloud-config document. Wrap it in a secret if it holds one. A change updates the metadata in place; cloud-init reads it at first boot only."`
	StartupScript          *string           `infra:"startupScript" doc:"A script the guest agent runs at every boot (the startup-script metadata key). A change updates the metadata in place."`
	Metadata               map[string]string `infra:"metadata" doc:"Other metadata keys and values. A change updates the metadata in place, naming its fingerprint."`
	Labels                 map[string]string `infra:"labels" doc:"The labels of the instance; the provider's default labels are added. A change updates them in place."`
	Tags                   []string          `infra:"tags" doc:"The network tags firewalls select the instance by. A change updates them in place."`
	ServiceAccount         *ServiceAccount   `infra:"serviceAccount" doc:"The service account and scopes. Unset: none. A change needs the instance stopped, like machineType."`
	AllowStoppingForUpdate bool              `infra:"allowStoppingForUpdate" default:"false" doc:"Whether a change of machineType or serviceAccount may stop the instance to make it; otherwise such a change replaces the instance."`
}

// InstanceState are the outputs of gcp:compute:Instance.
type InstanceState struct {
	InstanceArgs
	SelfLink        string            `infra:"selfLink" doc:"The instance's URL."`
	InstanceID      string            `infra:"instanceId" doc:"The instance's numeric ID."`
	Status          string            `infra:"status" doc:"The status when last read: PROVISIONING, STAGING, RUNNING, STOPPING, TERMINATED, ..."`
	InternalIP      string            `infra:"internalIp" doc:"The primary internal IPv4 address."`
	PublicIP        string            `infra:"publicIp" doc:"The external IPv4 address, if the instance has one."`
	EffectiveLabels map[string]string `infra:"effectiveLabels" doc:"The labels of the instance: its own and the provider's default labels together."`
}

// The metadata keys userData and startupScript set.
const (
	keyUserData      = "user-data"
	keyStartupScript = "startup-script"
)

type instanceResource struct{ p *gcpProvider }

// Check names the instance and validates what the schema cannot.
func (r *instanceResource) Check(_ context.Context, req provider.CheckRequest[InstanceArgs]) (InstanceArgs, []provider.CheckFailure, error) {
	in := req.Inputs
	if err := checkAutoName(req.URN, &req.OldInputs, &in, func(a *InstanceArgs) **string { return &a.Name }); err != nil {
		return in, nil, err
	}
	var fs []provider.CheckFailure
	fail := func(p, format string, args ...any) {
		fs = append(fs, provider.CheckFailure{Property: p, Reason: fmt.Sprintf(format, args...)})
	}
	if m := checkName("name", *in.Name); m != nil {
		fail("name", "%s", *m)
	}
	if in.BootDisk.Image == "" {
		fail("bootDisk", "bootDisk.image is empty; give an image such as projects/debian-cloud/global/images/family/debian-12, or gcp:compute:getImage's imageId")
	}
	if in.BootDisk.SizeGB != nil && (*in.BootDisk.SizeGB < 10 || *in.BootDisk.SizeGB > 65536) {
		fail("bootDisk", "bootDisk.sizeGb %d is not between 10 and 65536", *in.BootDisk.SizeGB)
	}
	if t := str(in.BootDisk.Type); t != "" && t != "pd-standard" && t != "pd-balanced" && t != "pd-ssd" {
		fail("bootDisk", "bootDisk.type %q is not pd-standard, pd-balanced or pd-ssd", t)
	}
	if e := in.ExternalIP; e != "ephemeral" && e != "none" && net.ParseIP(e) == nil {
		fail("externalIp", "externalIp %q is not ephemeral, none or an IP address", e)
	}
	for k := range in.Metadata {
		if k == keyUserData || k == keyStartupScript {
			fail("metadata", "metadata key %s: set it with %s instead", k, map[string]string{keyUserData: "userData", keyStartupScript: "startupScript"}[k])
		}
	}
	size := 0
	for _, v := range in.metadata() {
		size += len(v)
	}
	if size > 512*1024 {
		fail("metadata", "the metadata holds %d bytes; Compute Engine allows at most 512 KiB", size)
	}
	fs = append(fs, checkLabelMap("labels", in.Labels)...)
	return in, fs, nil
}

// metadata is every metadata key the instance should have.
func (a InstanceArgs) metadata() map[string]string {
	out := maps.Clone(a.Metadata)
	if out == nil {
		out = map[string]string{}
	}
	if a.UserData != nil {
		out[keyUserData] = *a.UserData
	}
	if a.StartupScript != nil {
		out[keyStartupScript] = *a.StartupScript
	}
	return out
}

// Diff treats what Google chose as unchanged while unset, tags as a set, and makes a change that needs the
// instance stopped a replacement unless allowStoppingForUpdate allows stopping it.
func (r *instanceResource) Diff(_ context.Context, req provider.DiffRequest[InstanceArgs, InstanceState]) (provider.DiffResponse, error) {
	news, old := req.Inputs, req.OldInputs
	if sameSet(news.Tags, old.Tags) {
		news.Tags = old.Tags
	}
	for _, p := range [][2]**string{{&news.Network, &old.Network}, {&news.Subnetwork, &old.Subnetwork}} {
		if *p[0] != nil && *p[1] != nil && sameRef(**p[0], **p[1]) {
			*p[0] = *p[1]
		}
	}
	// The boot disk reads back with the image a family named and the default size and type filled in.
	nb, ob := news.BootDisk, old.BootDisk
	if sameImage(nb.Image, ob.Image) || sameImage(ob.Image, nb.Image) {
		nb.Image = ob.Image
	}
	if nb.SizeGB == nil && ob.SizeGB != nil && *ob.SizeGB == 10 {
		nb.SizeGB = ob.SizeGB
	}
	if nb.Type == nil && ob.Type != nil && *ob.Type == "pd-standard" {
		nb.Type = ob.Type
	}
	news.BootDisk = nb
	d, err := provider.DiffStructs(old, news, "project", "zone", "network", "subnetwork")
	if err != nil || news.AllowStoppingForUpdate {
		return d, err
	}
	for _, k := range []string{"machineType", "serviceAccount"} {
		if contains(d.Changed, k) && !contains(d.Replaces, k) {
			d.Replaces = append(d.Replaces, k)
		}
	}
	return d, nil
}

// Create inserts the instance and waits until it is RUNNING.
func (r *instanceResource) Create(ctx context.Context, req provider.CreateRequest[InstanceArgs]) (provider.CreateResponse[InstanceState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.CreateResponse[InstanceState]{}, err
	}
	in := req.Inputs
	project, err := c.needProject(in.Project)
	if err != nil {
		return provider.CreateResponse[InstanceState]{}, err
	}
	zone, err := c.needZone(in.Zone)
	if err != nil {
		return provider.CreateResponse[InstanceState]{}, err
	}
	params := &computepb.AttachedDiskInitializeParams{SourceImage: proto.String(in.BootDisk.Image)}
	if in.BootDisk.SizeGB != nil {
		params.DiskSizeGb = proto.Int64(int64(*in.BootDisk.SizeGB))
	}
	if in.BootDisk.Type != nil {
		params.DiskType = proto.String("zones/" + zone + "/diskTypes/" + *in.BootDisk.Type)
	}
	nic := &computepb.NetworkInterface{Network: in.Network, Subnetwork: in.Subnetwork}
	switch in.ExternalIP {
	case "none":
	case "ephemeral":
		nic.AccessConfigs = []*computepb.AccessConfig{{Name: proto.String("External NAT"), Type: proto.String("ONE_TO_ONE_NAT")}}
	default:
		nic.AccessConfigs = []*computepb.AccessConfig{{Name: proto.String("External NAT"), Type: proto.String("ONE_TO_ONE_NAT"), NatIP: proto.String(in.ExternalIP)}}
	}
	inst := &computepb.Instance{Name: in.Name, MachineType: proto.String("zones/" + zone + "/machineTypes/" + in.MachineType),
		Disks:             []*computepb.AttachedDisk{{Boot: proto.Bool(true), AutoDelete: proto.Bool(true), InitializeParams: params}},
		NetworkInterfaces: []*computepb.NetworkInterface{nic}, Labels: c.createLabels(req.URN, req.IdempotencyToken, in.Labels),
		Metadata: &computepb.Metadata{Items: metadataItems(in.metadata())}}
	if len(in.Tags) > 0 {
		inst.Tags = &computepb.Tags{Items: in.Tags}
	}
	if sa := in.ServiceAccount; sa != nil {
		inst.ServiceAccounts = []*computepb.ServiceAccount{{Email: proto.String(sa.Email), Scopes: sa.Scopes}}
	}
	op, err := c.instances.Insert(ctx, &computepb.InsertInstanceRequest{Project: project, Zone: zone, InstanceResource: inst,
		RequestId: proto.String(requestID(req.IdempotencyToken))}, c.retry)
	if err != nil {
		return provider.CreateResponse[InstanceState]{}, fmt.Errorf("insert instance %s: %w", *in.Name, err)
	}
	id := objectID{project: project, location: zone, name: *in.Name}.path("zones", "instances")
	c.log.Debug("instance inserted, waiting until it runs", "id", id, "urn", string(req.URN))
	if err := c.wait(ctx, op, "instance "+id); err != nil {
		return provider.CreateResponse[InstanceState]{ID: id, Outputs: InstanceState{InstanceArgs: in}}, err
	}
	if err := r.waitStatus(ctx, c, id, "RUNNING"); err != nil {
		return provider.CreateResponse[InstanceState]{ID: id, Outputs: InstanceState{InstanceArgs: in}}, err
	}
	resp, err := r.read(ctx, c, id, &in, true)
	if err != nil || resp.ID == "" {
		return provider.CreateResponse[InstanceState]{ID: id, Outputs: InstanceState{InstanceArgs: in}}, notVisible(id, err)
	}
	return provider.CreateResponse[InstanceState]{ID: id, Outputs: resp.Outputs}, nil
}

func metadataItems(m map[string]string) []*computepb.Items {
	keys := slices.Sorted(maps.Keys(m))
	out := make([]*computepb.Items, 0, len(keys))
	for _, k := range keys {
		out = append(out, &computepb.Items{Key: proto.String(k), Value: proto.String(m[k])})
	}
	return out
}

func (r *instanceResource) get(ctx context.Context, c *clients, id string, wait bool) (*computepb.Instance, objectID, error) {
	oid, err := parseID(id, "zones", "instances")
	if err != nil {
		return nil, oid, err
	}
	i, err := getRetrying(ctx, c, func() (*computepb.Instance, error) {
		return c.instances.Get(ctx, &computepb.GetInstanceRequest{Project: oid.project, Zone: oid.location, Instance: oid.name}, c.retry)
	}, !wait)
	return i, oid, err
}

// waitStatus polls the instance until it has status want.
func (r *instanceResource) waitStatus(ctx context.Context, c *clients, id, want string) error {
	delay := c.poll
	for {
		i, _, err := r.get(ctx, c, id, true)
		if err != nil {
			return waitErr("instance "+id+" to be "+want, err)
		}
		if i == nil {
			return fmt.Errorf("instance %s disappeared while waiting for it to be %s", id, want)
		}
		if i.GetStatus() == want {
			return nil
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return waitErr("instance "+id+" to be "+want+" (it is "+i.GetStatus()+")", ctx.Err())
		case <-t.C:
		}
		delay = min(delay*3/2, 10*c.poll)
	}
}

// read reads an instance and its boot disk. With old nil (an import or a lookup) every input is recovered;
// otherwise only those old sets, so that what the program left to Google does not show as drift.
func (r *instanceResource) read(ctx context.Context, c *clients, id string, old *InstanceArgs, wait bool) (provider.ReadResponse[InstanceArgs, InstanceState], error) {
	i, oid, err := r.get(ctx, c, id, wait)
	if err != nil || i == nil {
		return provider.ReadResponse[InstanceArgs, InstanceState]{}, wrapRead(id, err)
	}
	in := InstanceArgs{Name: proto.String(i.GetName()), Project: proto.String(oid.project), Zone: proto.String(oid.location),
		MachineType: last(i.GetMachineType()), ExternalIP: "none"}
	if old != nil {
		in.AllowStoppingForUpdate = old.AllowStoppingForUpdate
	}
	for _, d := range i.GetDisks() {
		if !d.GetBoot() {
			continue
		}
		dp := rel(d.GetSource())
		did, err := parseID(dp, "zones", "disks")
		if err != nil {
			return provider.ReadResponse[InstanceArgs, InstanceState]{}, fmt.Errorf("read the boot disk of %s: %w", id, err)
		}
		disk, err := c.disks.Get(ctx, &computepb.GetDiskRequest{Project: did.project, Zone: did.location, Disk: did.name}, c.retry)
		if err != nil {
			return provider.ReadResponse[InstanceArgs, InstanceState]{}, fmt.Errorf("read the boot disk %s of %s: %w", dp, id, err)
		}
		in.BootDisk = BootDisk{Image: rel(disk.GetSourceImage()), SizeGB: intPtr(int(disk.GetSizeGb())), Type: proto.String(last(disk.GetType()))}
		if old != nil {
			if sameImage(old.BootDisk.Image, disk.GetSourceImage()) {
				in.BootDisk.Image = old.BootDisk.Image
			}
			if old.BootDisk.SizeGB == nil && disk.GetSizeGb() == 10 {
				in.BootDisk.SizeGB = nil
			}
			if old.BootDisk.Type == nil && in.BootDisk.Type != nil && *in.BootDisk.Type == "pd-standard" {
				in.BootDisk.Type = nil
			}
		}
	}
	st := InstanceState{SelfLink: i.GetSelfLink(), InstanceID: fmt.Sprint(i.GetId()), Status: i.GetStatus()}
	if nics := i.GetNetworkInterfaces(); len(nics) > 0 {
		nic := nics[0]
		in.Network, in.Subnetwork = proto.String(rel(nic.GetNetwork())), proto.String(rel(nic.GetSubnetwork()))
		st.InternalIP = nic.GetNetworkIP()
		if acs := nic.GetAccessConfigs(); len(acs) > 0 {
			st.PublicIP = acs[0].GetNatIP()
			in.ExternalIP = "ephemeral"
			if old != nil && old.ExternalIP == st.PublicIP {
				in.ExternalIP = st.PublicIP
			}
		}
		if old != nil {
			in.Network, in.Subnetwork = nil, nil
			if old.Network != nil {
				in.Network = keepRef(old.Network, nic.GetNetwork())
			}
			if old.Subnetwork != nil {
				in.Subnetwork = keepRef(old.Subnetwork, nic.GetSubnetwork())
			}
		}
	}
	md := map[string]string{}
	for _, it := range i.GetMetadata().GetItems() {
		md[it.GetKey()] = it.GetValue()
	}
	if v, ok := md[keyUserData]; ok {
		in.UserData = proto.String(v)
		delete(md, keyUserData)
	}
	if v, ok := md[keyStartupScript]; ok {
		in.StartupScript = proto.String(v)
		delete(md, keyStartupScript)
	}
	if len(md) > 0 {
		in.Metadata = md
	}
	var oldLabels map[string]string
	var oldTags []string
	if old != nil {
		oldLabels, oldTags = old.Labels, old.Tags
	}
	in.Labels = c.userLabels(i.GetLabels(), oldLabels)
	in.Tags = sameOrder(i.GetTags().GetItems(), oldTags)
	if sas := i.GetServiceAccounts(); len(sas) > 0 {
		in.ServiceAccount = &ServiceAccount{Email: sas[0].GetEmail(), Scopes: sas[0].GetScopes()}
		if old != nil && old.ServiceAccount != nil {
			in.ServiceAccount.Scopes = sameOrder(in.ServiceAccount.Scopes, old.ServiceAccount.Scopes)
		}
	}
	if old != nil {
		in.Project, in.Zone = keepIfSet(old.Project, in.Project), keepIfSet(old.Zone, in.Zone)
	}
	st.InstanceArgs = in
	st.EffectiveLabels = visibleLabels(i.GetLabels())
	return provider.ReadResponse[InstanceArgs, InstanceState]{ID: id, Inputs: in, Outputs: st}, nil
}

// sameImage reports whether an image reference (a path, or a family path) names the live image: a family
// reference names whichever image the family had when the disk was made, so it matches any image of the project.
func sameImage(ref, live string) bool {
	if sameRef(ref, live) {
		return true
	}
	r := rel(ref)
	if i := strings.Index(r, "/global/images/family/"); i >= 0 {
		return strings.HasPrefix(rel(live), r[:i]+"/global/images/")
	}
	return false
}

// Read reads the instance for refresh and import.
func (r *instanceResource) Read(ctx context.Context, req provider.ReadRequest[InstanceArgs, InstanceState]) (provider.ReadResponse[InstanceArgs, InstanceState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.ReadResponse[InstanceArgs, InstanceState]{}, err
	}
	return r.read(ctx, c, req.ID, oldOf(req.Import, &req.Inputs), false)
}

// Lookup finds the instance a cut-off create made by the infra-token label it was created with.
func (r *instanceResource) Lookup(ctx context.Context, req provider.LookupRequest[InstanceArgs]) (provider.ReadResponse[InstanceArgs, InstanceState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.ReadResponse[InstanceArgs, InstanceState]{}, err
	}
	if c.project == "" {
		return provider.ReadResponse[InstanceArgs, InstanceState]{}, fmt.Errorf("look for the instance of %s: no project configured", req.URN)
	}
	it := c.instances.AggregatedList(ctx, &computepb.AggregatedListInstancesRequest{Project: c.project,
		Filter: proto.String(fmt.Sprintf("labels.%s = %q", labelToken, req.IdempotencyToken))}, c.retry)
	for {
		pair, err := it.Next()
		if errors.Is(err, iterator.Done) {
			return provider.ReadResponse[InstanceArgs, InstanceState]{}, nil
		}
		if err != nil {
			return provider.ReadResponse[InstanceArgs, InstanceState]{}, fmt.Errorf("look for the instance of %s: %w", req.URN, err)
		}
		for _, i := range pair.Value.GetInstances() {
			if i.GetLabels()[labelToken] == req.IdempotencyToken {
				id := rel(i.GetSelfLink())
				logFound(c.log, id, req.URN)
				return r.read(ctx, c, id, nil, false)
			}
		}
	}
}

// Update changes labels, metadata and tags in place, and the machine type and service account by stopping the
// instance.
func (r *instanceResource) Update(ctx context.Context, req provider.UpdateRequest[InstanceArgs, InstanceState]) (provider.UpdateResponse[InstanceState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.UpdateResponse[InstanceState]{}, err
	}
	id, in := req.ID, req.Inputs
	i, oid, err := r.get(ctx, c, id, false)
	if err != nil {
		return provider.UpdateResponse[InstanceState]{}, err
	}
	if i == nil {
		return provider.UpdateResponse[InstanceState]{}, fmt.Errorf("instance %s no longer exists: run `infra up --refresh`, which notices it is gone and creates it again", id)
	}
	loc := func() (*computepb.Instance, error) {
		i, _, err := r.get(ctx, c, id, false)
		if err == nil && i == nil {
			err = fmt.Errorf("instance %s disappeared while it was updated", id)
		}
		return i, err
	}
	if want := c.desiredLabels(in.Labels); !sameLabels(visibleLabels(i.GetLabels()), want) {
		err := withFingerprint(ctx, c, "the labels of instance "+id, func() (*computeOp, error) {
			cur, err := loc()
			if err != nil {
				return nil, err
			}
			return c.instances.SetLabels(ctx, &computepb.SetLabelsInstanceRequest{Project: oid.project, Zone: oid.location, Instance: oid.name,
				RequestId: proto.String(newRequestID()), InstancesSetLabelsRequestResource: &computepb.InstancesSetLabelsRequest{
					Labels: withInternal(cur.GetLabels(), want), LabelFingerprint: cur.LabelFingerprint}}, c.retry)
		})
		if err != nil {
			return provider.UpdateResponse[InstanceState]{}, err
		}
	}
	live := map[string]string{}
	for _, it := range i.GetMetadata().GetItems() {
		live[it.GetKey()] = it.GetValue()
	}
	if want := in.metadata(); !maps.Equal(live, want) {
		err := withFingerprint(ctx, c, "the metadata of instance "+id, func() (*computeOp, error) {
			cur, err := loc()
			if err != nil {
				return nil, err
			}
			return c.instances.SetMetadata(ctx, &computepb.SetMetadataInstanceRequest{Project: oid.project, Zone: oid.location, Instance: oid.name,
				RequestId: proto.String(newRequestID()), MetadataResource: &computepb.Metadata{Items: metadataItems(want), Fingerprint: cur.GetMetadata().Fingerprint}}, c.retry)
		})
		if err != nil {
			return provider.UpdateResponse[InstanceState]{}, err
		}
	}
	if !sameSet(i.GetTags().GetItems(), in.Tags) {
		err := withFingerprint(ctx, c, "the tags of instance "+id, func() (*computeOp, error) {
			cur, err := loc()
			if err != nil {
				return nil, err
			}
			return c.instances.SetTags(ctx, &computepb.SetTagsInstanceRequest{Project: oid.project, Zone: oid.location, Instance: oid.name,
				RequestId: proto.String(newRequestID()), TagsResource: &computepb.Tags{Items: in.Tags, Fingerprint: cur.GetTags().Fingerprint}}, c.retry)
		})
		if err != nil {
			return provider.UpdateResponse[InstanceState]{}, err
		}
	}
	typeChanged := last(i.GetMachineType()) != in.MachineType
	saChanged := !sameServiceAccount(i.GetServiceAccounts(), in.ServiceAccount)
	if typeChanged || saChanged {
		if !in.AllowStoppingForUpdate {
			return provider.UpdateResponse[InstanceState]{}, fmt.Errorf("instance %s: changing machineType or serviceAccount needs the instance stopped; set allowStoppingForUpdate, or let the change replace it", id)
		}
		if err := r.whileStopped(ctx, c, id, oid, func() error {
			if typeChanged {
				op, err := c.instances.SetMachineType(ctx, &computepb.SetMachineTypeInstanceRequest{Project: oid.project, Zone: oid.location, Instance: oid.name,
					RequestId:                              proto.String(newRequestID()),
					InstancesSetMachineTypeRequestResource: &computepb.InstancesSetMachineTypeRequest{MachineType: proto.String("zones/" + oid.location + "/machineTypes/" + in.MachineType)}}, c.retry)
				if err != nil {
					return fmt.Errorf("set the machine type of %s to %s: %w", id, in.MachineType, err)
				}
				if err := c.wait(ctx, op, "the machine type of "+id); err != nil {
					return err
				}
			}
			if saChanged {
				sa := &computepb.InstancesSetServiceAccountRequest{}
				if in.ServiceAccount != nil {
					sa.Email, sa.Scopes = proto.String(in.ServiceAccount.Email), in.ServiceAccount.Scopes
				}
				op, err := c.instances.SetServiceAccount(ctx, &computepb.SetServiceAccountInstanceRequest{Project: oid.project, Zone: oid.location,
					Instance: oid.name, RequestId: proto.String(newRequestID()), InstancesSetServiceAccountRequestResource: sa}, c.retry)
				if err != nil {
					return fmt.Errorf("set the service account of %s: %w", id, err)
				}
				return c.wait(ctx, op, "the service account of "+id)
			}
			return nil
		}); err != nil {
			return provider.UpdateResponse[InstanceState]{}, err
		}
	}
	resp, err := r.read(ctx, c, id, &in, true)
	if err != nil || resp.ID == "" {
		return provider.UpdateResponse[InstanceState]{}, notVisible(id, err)
	}
	return provider.UpdateResponse[InstanceState]{Outputs: resp.Outputs}, nil
}

func sameServiceAccount(live []*computepb.ServiceAccount, want *ServiceAccount) bool {
	if want == nil {
		return len(live) == 0
	}
	return len(live) == 1 && live[0].GetEmail() == want.Email && sameSet(live[0].GetScopes(), want.Scopes)
}

// whileStopped stops the instance, runs change, and starts it again (also when change failed, so that a failed
// change does not leave the instance down).
func (r *instanceResource) whileStopped(ctx context.Context, c *clients, id string, oid objectID, change func() error) error {
	c.log.Debug("stopping the instance to change it", "id", id)
	op, err := c.instances.Stop(ctx, &computepb.StopInstanceRequest{Project: oid.project, Zone: oid.location, Instance: oid.name, RequestId: proto.String(newRequestID())}, c.retry)
	if err != nil {
		return fmt.Errorf("stop instance %s to change it: %w", id, err)
	}
	if err := c.wait(ctx, op, "instance "+id+" to stop"); err != nil {
		return err
	}
	if err := r.waitStatus(ctx, c, id, "TERMINATED"); err != nil {
		return err
	}
	cerr := change()
	op, err = c.instances.Start(ctx, &computepb.StartInstanceRequest{Project: oid.project, Zone: oid.location, Instance: oid.name, RequestId: proto.String(newRequestID())}, c.retry)
	if err != nil {
		return errors.Join(cerr, fmt.Errorf("start instance %s again (it is stopped; start it by hand if this fails for good): %w", id, err))
	}
	if err := c.wait(ctx, op, "instance "+id+" to start"); err != nil {
		return errors.Join(cerr, err)
	}
	return errors.Join(cerr, r.waitStatus(ctx, c, id, "RUNNING"))
}

// Delete deletes the instance (its boot disk goes with it) and waits until it is gone.
func (r *instanceResource) Delete(ctx context.Context, req provider.DeleteRequest[InstanceArgs, InstanceState]) error {
	c, err := r.p.clients()
	if err != nil {
		return err
	}
	oid, err := parseID(req.ID, "zones", "instances")
	if err != nil {
		return err
	}
	return c.deleteWith(ctx, req.ID, func(rid string) (*computeOp, error) {
		return c.instances.Delete(ctx, &computepb.DeleteInstanceRequest{Project: oid.project, Zone: oid.location, Instance: oid.name, RequestId: &rid}, c.retry)
	})
}
