package digitalocean

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/digitalocean/godo"

	"github.com/infrago/infra/sdk/provider"
)

const dropletDoc = "A droplet: a virtual machine with its image, size, SSH keys and cloud-init user data. A new name, tags, " +
	"backups and turning IPv6 on change it in place; a new size resizes it in place (it is powered off, resized " +
	"without growing its disk, so it can be resized back, and powered on); a new image rebuilds it in place, " +
	"keeping its ID and addresses but not its disk. Any other change replaces it. The provider tags it with " +
	"infra-urn:... and infra-token:... so that a create cut off by a crash is found again; these tags never show " +
	"in tags. Import it by its numeric ID."

// DropletArgs are the inputs of digitalocean:index:Droplet.
type DropletArgs struct {
	Name       *string  `infra:"name" doc:"The droplet's hostname. Unset: derived from the resource's name with a random suffix. A change renames it in place."`
	Region     string   `infra:"region,replace" doc:"The region slug, such as nyc3. A change replaces it."`
	Size       string   `infra:"size" doc:"The size slug, such as s-1vcpu-1gb. A change resizes the droplet in place (powered off for the resize)."`
	Image      string   `infra:"image" doc:"The image: a slug such as ubuntu-24-04-x64, or a numeric image ID. A change rebuilds the droplet in place from the new image, erasing its disk."`
	SSHKeys    []string `infra:"sshKeys,replace" doc:"SSH keys to install for root, by ID or fingerprint. A change replaces it."`
	UserData   *string  `infra:"userData,replace" doc:"The cloud-init user data run at first boot, at most 64 KiB. DigitalOcean does not return it, so a change made outside infra is not seen. A change replaces it."`
	VPCUUID    *string  `infra:"vpcUuid,replace" doc:"The VPC to place the droplet in. Unset: the region's default VPC. A change replaces it."`
	Tags       []string `infra:"tags" doc:"Tags to put on the droplet; a tag that does not exist yet is created. A change updates the tags in place."`
	Monitoring bool     `infra:"monitoring,replace" default:"false" doc:"Whether to install the metrics agent. A change replaces it."`
	Backups    bool     `infra:"backups" default:"false" doc:"Whether weekly backups are on. A change turns them on or off in place."`
	IPv6       bool     `infra:"ipv6" default:"false" doc:"Whether the droplet has a public IPv6 address. Turning it on is done in place; turning it off replaces the droplet."`
	// WaitHealthyIn gates a rolling deploy: whatever depends on this droplet waits until it serves.
	WaitHealthyIn *string `infra:"waitHealthyIn" doc:"A load balancer's ID: creating the droplet finishes only once that load balancer's health checks pass on it (read from DigitalOcean's droplets_health_checks metric), so that what depends on it, such as the next droplet of a rolling deploy, waits until it serves. The droplet must be behind the load balancer, by its ID or a tag. A change affects only later creates."`
}

// DropletState are the outputs of digitalocean:index:Droplet.
type DropletState struct {
	DropletArgs
	DropletID          int    `infra:"dropletId" doc:"The droplet's numeric ID."`
	Status             string `infra:"status" doc:"The droplet's status: new, active, off or archive."`
	IPv4Address        string `infra:"ipv4Address" doc:"The droplet's public IPv4 address."`
	IPv4AddressPrivate string `infra:"ipv4AddressPrivate" doc:"The droplet's private IPv4 address in its VPC."`
	IPv6Address        string `infra:"ipv6Address" doc:"The droplet's public IPv6 address, when ipv6 is on."`
	Memory             int    `infra:"memory" doc:"The droplet's memory in MiB."`
	VCPUs              int    `infra:"vcpus" doc:"The droplet's number of virtual CPUs."`
	Disk               int    `infra:"disk" doc:"The droplet's disk size in GiB."`
	CreatedAt          string `infra:"createdAt" doc:"When the droplet was created, in RFC 3339."`
	URN                string `infra:"urn" doc:"The droplet's DigitalOcean URN (do:droplet:ID), as firewalls and projects name it."`
}

type dropletResource struct{ p *doProvider }

// maxUserData is the largest user data DigitalOcean accepts.
const maxUserData = 64 << 10

// Check names the droplet and validates its region, size, image, tags and user data.
func (r *dropletResource) Check(_ context.Context, req provider.CheckRequest[DropletArgs]) (DropletArgs, []provider.CheckFailure, error) {
	in := req.Inputs
	if err := fillName(req.URN, &req.OldInputs, &in, func(a *DropletArgs) **string { return &a.Name }); err != nil {
		return in, nil, err
	}
	var fs failures
	if !hostnamePattern.MatchString(*in.Name) || len(*in.Name) > 255 {
		fs.add("name", "name %q is not a valid hostname: letters, digits, hyphens and dots, at most 255 characters", *in.Name)
	}
	fs.region("region", in.Region)
	if in.Size == "" {
		fs.add("size", "size is required: a size slug such as s-1vcpu-1gb (the getSizes function lists them)")
	}
	if in.Image == "" {
		fs.add("image", "image is required: an image slug such as ubuntu-24-04-x64 or a numeric image ID")
	}
	fs.tags("tags", in.Tags)
	if n := len(str(in.UserData)); n > maxUserData {
		fs.add("userData", "userData is %d bytes; DigitalOcean takes at most %d", n, maxUserData)
	}
	return in, fs, nil
}

// Diff treats an unset VPC as unchanged, and turning IPv6 off as a replacement.
func (r *dropletResource) Diff(_ context.Context, req provider.DiffRequest[DropletArgs, DropletState]) (provider.DiffResponse, error) {
	d, err := provider.DiffStructs(req.OldInputs, req.Inputs, "vpcUuid")
	if err != nil {
		return d, err
	}
	if req.OldInputs.IPv6 && !req.Inputs.IPv6 && !slices.Contains(d.Replaces, "ipv6") {
		d.Replaces = append(d.Replaces, "ipv6")
		slices.Sort(d.Replaces)
	}
	return d, nil
}

// dropletID parses a droplet's ID.
func dropletID(id string) (int, error) {
	n, err := strconv.Atoi(id)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("droplet ID %q is not a droplet's numeric ID", id)
	}
	return n, nil
}

func createImage(image string) godo.DropletCreateImage {
	if n, err := strconv.Atoi(image); err == nil {
		return godo.DropletCreateImage{ID: n}
	}
	return godo.DropletCreateImage{Slug: image}
}

// Create creates the droplet, tagged with its URN and the create's token, and waits until it is active.
func (r *dropletResource) Create(ctx context.Context, req provider.CreateRequest[DropletArgs]) (provider.CreateResponse[DropletState], error) {
	c, err := r.p.client()
	if err != nil {
		return provider.CreateResponse[DropletState]{}, err
	}
	in := req.Inputs
	keys := make([]godo.DropletCreateSSHKey, 0, len(in.SSHKeys))
	for _, k := range in.SSHKeys {
		if n, err := strconv.Atoi(k); err == nil {
			keys = append(keys, godo.DropletCreateSSHKey{ID: n})
		} else {
			keys = append(keys, godo.DropletCreateSSHKey{Fingerprint: k})
		}
	}
	tags := append(slices.Clone(in.Tags), urnTag(req.URN), tokenTag(req.IdempotencyToken))
	d, _, err := c.godo.Droplets.Create(ctx, &godo.DropletCreateRequest{Name: *in.Name, Region: in.Region, Size: in.Size,
		Image: createImage(in.Image), SSHKeys: keys, Backups: in.Backups, IPv6: in.IPv6, Monitoring: in.Monitoring,
		UserData: str(in.UserData), Tags: tags, VPCUUID: str(in.VPCUUID)})
	if err != nil {
		return provider.CreateResponse[DropletState]{}, fmt.Errorf("create droplet %s: %w", *in.Name, err)
	}
	id := strconv.Itoa(d.ID)
	resp, err := r.waitActive(ctx, c, id, &in)
	if err == nil && in.WaitHealthyIn != nil {
		err = c.waitHealthy(ctx, *in.WaitHealthyIn, d.ID)
	}
	if err != nil {
		return provider.CreateResponse[DropletState]{ID: id, Outputs: DropletState{DropletArgs: in, DropletID: d.ID}}, err
	}
	return provider.CreateResponse[DropletState]{ID: id, Outputs: resp.Outputs}, nil
}

// waitHealthy polls the load balancer's droplets_health_checks metric until its newest sample for the droplet
// says the checks pass. A droplet the metric does not list yet (it joined moments ago) is waited for too; a
// timeout says which of the two it was.
func (c *client) waitHealthy(ctx context.Context, lbID string, droplet int) error {
	what := fmt.Sprintf("droplet %d to pass the health checks of load balancer %s", droplet, lbID)
	listed := false
	err := c.waitFor(ctx, what, func() (bool, error) {
		now := time.Now()
		m, _, err := c.godo.Monitoring.GetLoadBalancerDropletsHealthChecks(ctx, &godo.LoadBalancerMetricsRequest{
			LoadBalancerID: lbID, Start: now.Add(-5 * time.Minute), End: now})
		if err != nil {
			return false, fmt.Errorf("read the health checks of load balancer %s: %w", lbID, err)
		}
		passes, seen := dropletPasses(m, droplet)
		listed = listed || seen
		return passes, nil
	})
	switch {
	case err == nil || ctx.Err() == nil:
		return err
	case !listed:
		return fmt.Errorf("%w (the load balancer never listed the droplet: put it behind the load balancer by its ID or a tag it carries)", err)
	}
	return fmt.Errorf("%w (its health checks kept failing: check that it serves the health check's path)", err)
}

// dropletPasses reports whether the newest sample of the droplet's series in a droplets_health_checks answer is
// above zero (the share of checks that passed), and whether the answer has a series for it at all.
func dropletPasses(m *godo.MetricsResponse, droplet int) (passes, listed bool) {
	if m == nil {
		return false, false
	}
	want := strconv.Itoa(droplet)
	for _, s := range m.Data.Result {
		if string(s.Metric["droplet_id"]) != want || len(s.Values) == 0 {
			continue
		}
		newest := s.Values[0]
		for _, v := range s.Values[1:] {
			if v.Timestamp.After(newest.Timestamp) {
				newest = v
			}
		}
		return float64(newest.Value) > 0, true
	}
	return false, false
}

// waitActive reads the droplet until it has left "new" (its addresses are known then).
func (r *dropletResource) waitActive(ctx context.Context, c *client, id string, in *DropletArgs) (provider.ReadResponse[DropletArgs, DropletState], error) {
	var resp provider.ReadResponse[DropletArgs, DropletState]
	err := c.waitFor(ctx, "droplet "+id+" to be active", func() (bool, error) {
		var err error
		resp, err = r.read(ctx, c, id, in, true)
		if err != nil {
			return false, err
		}
		if resp.ID == "" {
			return false, notVisible("droplet "+id, nil)
		}
		return resp.Outputs.Status != "new", nil
	})
	return resp, err
}

func (r *dropletResource) read(ctx context.Context, c *client, id string, old *DropletArgs, wait bool) (provider.ReadResponse[DropletArgs, DropletState], error) {
	n, err := dropletID(id)
	if err != nil {
		return provider.ReadResponse[DropletArgs, DropletState]{}, err
	}
	d, found, err := getFresh(ctx, c, func() (*godo.Droplet, error) {
		d, _, err := c.godo.Droplets.Get(ctx, n)
		return d, err
	}, !wait)
	if err != nil || !found {
		return provider.ReadResponse[DropletArgs, DropletState]{}, wrapRead("droplet "+id, err)
	}
	return provider.ReadResponse[DropletArgs, DropletState]{ID: id, Inputs: dropletInputs(d, old), Outputs: dropletState(d, old)}, nil
}

// dropletInputs are the inputs a droplet shows; what DigitalOcean does not return (SSH keys, user data) comes from
// old, the state's inputs (nil for an import).
func dropletInputs(d *godo.Droplet, old *DropletArgs) DropletArgs {
	in := DropletArgs{Name: ptr(d.Name), Size: d.SizeSlug, Tags: userTags(d.Tags), VPCUUID: optStr(d.VPCUUID),
		Monitoring: slices.Contains(d.Features, "monitoring"), Backups: slices.Contains(d.Features, "backups"),
		IPv6: slices.Contains(d.Features, "ipv6")}
	if d.Region != nil {
		in.Region = d.Region.Slug
	}
	if d.Image != nil {
		in.Image = d.Image.Slug
		if in.Image == "" {
			in.Image = strconv.Itoa(d.Image.ID)
		}
	}
	if old != nil {
		in.SSHKeys, in.UserData, in.WaitHealthyIn = old.SSHKeys, old.UserData, old.WaitHealthyIn
		// The program may name the image by ID or by slug: either is the same image.
		if d.Image != nil && (old.Image == d.Image.Slug || old.Image == strconv.Itoa(d.Image.ID)) {
			in.Image = old.Image
		}
		if old.VPCUUID == nil {
			in.VPCUUID = nil
		}
	}
	return in
}

func dropletState(d *godo.Droplet, old *DropletArgs) DropletState {
	st := DropletState{DropletArgs: dropletInputs(d, old), DropletID: d.ID, Status: d.Status, Memory: d.Memory, VCPUs: d.Vcpus,
		Disk: d.Disk, CreatedAt: d.Created, URN: d.URN()}
	st.VPCUUID = optStr(d.VPCUUID)
	st.IPv4Address, _ = d.PublicIPv4()
	st.IPv4AddressPrivate, _ = d.PrivateIPv4()
	st.IPv6Address, _ = d.PublicIPv6()
	return st
}

// Read reads the droplet for refresh and import.
func (r *dropletResource) Read(ctx context.Context, req provider.ReadRequest[DropletArgs, DropletState]) (provider.ReadResponse[DropletArgs, DropletState], error) {
	c, err := r.p.client()
	if err != nil {
		return provider.ReadResponse[DropletArgs, DropletState]{}, err
	}
	return r.read(ctx, c, req.ID, oldOf(req.Import, &req.Inputs), false)
}

// Lookup finds the droplet a cut-off create made by the token tag it carries.
func (r *dropletResource) Lookup(ctx context.Context, req provider.LookupRequest[DropletArgs]) (provider.ReadResponse[DropletArgs, DropletState], error) {
	c, err := r.p.client()
	if err != nil {
		return provider.ReadResponse[DropletArgs, DropletState]{}, err
	}
	tag := tokenTag(req.IdempotencyToken)
	ds, err := listAll(ctx, func(opt *godo.ListOptions) ([]godo.Droplet, *godo.Response, error) {
		return c.godo.Droplets.ListByTag(ctx, tag, opt)
	})
	if isNotFound(err) || (err == nil && len(ds) == 0) {
		return provider.ReadResponse[DropletArgs, DropletState]{}, nil
	}
	if err != nil {
		return provider.ReadResponse[DropletArgs, DropletState]{}, fmt.Errorf("look for the droplet of %s: %w", req.URN, err)
	}
	id := strconv.Itoa(ds[0].ID)
	c.log.Debug("found the droplet a cut-off create made", "id", id, "urn", string(req.URN))
	// What DigitalOcean does not return (SSH keys, user data) is the program's.
	return r.waitActive(ctx, c, id, &req.Inputs)
}

// Update renames, retags, resizes, rebuilds and turns backups and IPv6 on or off, each as DigitalOcean's action.
func (r *dropletResource) Update(ctx context.Context, req provider.UpdateRequest[DropletArgs, DropletState]) (provider.UpdateResponse[DropletState], error) {
	c, err := r.p.client()
	if err != nil {
		return provider.UpdateResponse[DropletState]{}, err
	}
	n, err := dropletID(req.ID)
	if err != nil {
		return provider.UpdateResponse[DropletState]{}, err
	}
	old, in := req.OldInputs, req.Inputs
	act := func(what string, call func() (*godo.Action, *godo.Response, error)) error {
		a, _, err := call()
		if err != nil {
			return fmt.Errorf("%s droplet %s: %w", what, req.ID, err)
		}
		return c.waitAction(ctx, a, what+" droplet "+req.ID)
	}
	if str(old.Name) != str(in.Name) {
		if err := act("rename", func() (*godo.Action, *godo.Response, error) { return c.godo.DropletActions.Rename(ctx, n, *in.Name) }); err != nil {
			return provider.UpdateResponse[DropletState]{}, err
		}
	}
	if err := c.retag(ctx, strconv.Itoa(n), godo.DropletResourceType, old.Tags, in.Tags); err != nil {
		return provider.UpdateResponse[DropletState]{}, fmt.Errorf("tag droplet %s: %w", req.ID, err)
	}
	if old.Size != in.Size {
		if err := r.resize(ctx, c, n, in.Size, act); err != nil {
			return provider.UpdateResponse[DropletState]{}, err
		}
	}
	if old.Image != in.Image {
		rebuild := func() (*godo.Action, *godo.Response, error) {
			if id, err := strconv.Atoi(in.Image); err == nil {
				return c.godo.DropletActions.RebuildByImageID(ctx, n, id)
			}
			return c.godo.DropletActions.RebuildByImageSlug(ctx, n, in.Image)
		}
		if err := act("rebuild", rebuild); err != nil {
			return provider.UpdateResponse[DropletState]{}, err
		}
	}
	if old.Backups != in.Backups {
		call := func() (*godo.Action, *godo.Response, error) { return c.godo.DropletActions.EnableBackups(ctx, n) }
		if !in.Backups {
			call = func() (*godo.Action, *godo.Response, error) { return c.godo.DropletActions.DisableBackups(ctx, n) }
		}
		if err := act("change the backups of", call); err != nil {
			return provider.UpdateResponse[DropletState]{}, err
		}
	}
	if !old.IPv6 && in.IPv6 {
		if err := act("enable IPv6 on", func() (*godo.Action, *godo.Response, error) { return c.godo.DropletActions.EnableIPv6(ctx, n) }); err != nil {
			return provider.UpdateResponse[DropletState]{}, err
		}
	}
	resp, err := r.waitActive(ctx, c, req.ID, &in)
	if err != nil {
		return provider.UpdateResponse[DropletState]{}, err
	}
	return provider.UpdateResponse[DropletState]{Outputs: resp.Outputs}, nil
}

// resize powers the droplet off (DigitalOcean resizes only stopped droplets), resizes it and powers it back on.
func (r *dropletResource) resize(ctx context.Context, c *client, n int, size string, act func(string, func() (*godo.Action, *godo.Response, error)) error) error {
	d, _, err := c.godo.Droplets.Get(ctx, n)
	if err != nil {
		return fmt.Errorf("read droplet %d before resizing it: %w", n, err)
	}
	if d.Status != "off" {
		if err := act("power off", func() (*godo.Action, *godo.Response, error) { return c.godo.DropletActions.PowerOff(ctx, n) }); err != nil {
			return err
		}
	}
	if err := act("resize", func() (*godo.Action, *godo.Response, error) { return c.godo.DropletActions.Resize(ctx, n, size, false) }); err != nil {
		return err
	}
	return act("power on", func() (*godo.Action, *godo.Response, error) { return c.godo.DropletActions.PowerOn(ctx, n) })
}

// Delete deletes the droplet, waits until it is gone, and deletes the provider's tags it leaves unused. A droplet
// that is gone already is fine.
func (r *dropletResource) Delete(ctx context.Context, req provider.DeleteRequest[DropletArgs, DropletState]) error {
	c, err := r.p.client()
	if err != nil {
		return err
	}
	n, err := dropletID(req.ID)
	if err != nil {
		return err
	}
	d, _, err := c.godo.Droplets.Get(ctx, n)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read droplet %s before deleting it: %w", req.ID, err)
	}
	if _, err := c.godo.Droplets.Delete(ctx, n); err != nil && !isNotFound(err) {
		return fmt.Errorf("delete droplet %s: %w", req.ID, err)
	}
	err = c.waitFor(ctx, "droplet "+req.ID+" to be deleted", func() (bool, error) {
		_, _, err := c.godo.Droplets.Get(ctx, n)
		if isNotFound(err) {
			return true, nil
		}
		return false, err
	})
	if err != nil {
		return err
	}
	c.dropUnusedTags(ctx, d.Tags)
	return nil
}

// retag makes an object carry want instead of have: each added tag is created first (DigitalOcean tags only
// with tags that exist), then the object is tagged and untagged.
func (c *client) retag(ctx context.Context, id string, typ godo.ResourceType, have, want []string) error {
	res := []godo.Resource{{ID: id, Type: typ}}
	for _, t := range want {
		if slices.Contains(have, t) {
			continue
		}
		if _, _, err := c.godo.Tags.Create(ctx, &godo.TagCreateRequest{Name: t}); err != nil {
			return fmt.Errorf("create tag %s: %w", t, err)
		}
		if _, err := c.godo.Tags.TagResources(ctx, t, &godo.TagResourcesRequest{Resources: res}); err != nil {
			return fmt.Errorf("add tag %s: %w", t, err)
		}
	}
	for _, t := range have {
		if slices.Contains(want, t) {
			continue
		}
		if _, err := c.godo.Tags.UntagResources(ctx, t, &godo.UntagResourcesRequest{Resources: res}); err != nil && !isNotFound(err) {
			return fmt.Errorf("remove tag %s: %w", t, err)
		}
	}
	return nil
}

// listThreshold is the number of droplets from which ReadMany lists the account's droplets (200 a page) rather
// than getting each one.
const listThreshold = 20

// ReadMany reads many droplets: by listing the account's droplets, 200 a page, when there are enough of them to
// make that cheaper than a get each, else one get each, a few at a time.
func (r *dropletResource) ReadMany(ctx context.Context, reqs []provider.ReadRequest[DropletArgs, DropletState]) ([]provider.ReadResponse[DropletArgs, DropletState], []error) {
	resps := make([]provider.ReadResponse[DropletArgs, DropletState], len(reqs))
	errs := make([]error, len(reqs))
	c, err := r.p.client()
	if err != nil {
		for i := range errs {
			errs[i] = err
		}
		return resps, errs
	}
	if len(reqs) < listThreshold {
		var wg sync.WaitGroup
		sem := make(chan struct{}, 8)
		for i, req := range reqs {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				resps[i], errs[i] = r.read(ctx, c, req.ID, oldOf(req.Import, &reqs[i].Inputs), false)
			}()
		}
		wg.Wait()
		return resps, errs
	}
	all, err := listAll(ctx, func(opt *godo.ListOptions) ([]godo.Droplet, *godo.Response, error) {
		return c.godo.Droplets.List(ctx, opt)
	})
	if err != nil {
		err = fmt.Errorf("list droplets: %w", err)
		for i := range errs {
			errs[i] = err
		}
		return resps, errs
	}
	byID := make(map[string]*godo.Droplet, len(all))
	for i := range all {
		byID[strconv.Itoa(all[i].ID)] = &all[i]
	}
	for i, req := range reqs {
		if _, err := dropletID(req.ID); err != nil {
			errs[i] = err
			continue
		}
		d, ok := byID[req.ID]
		if !ok {
			continue // gone
		}
		old := oldOf(req.Import, &reqs[i].Inputs)
		resps[i] = provider.ReadResponse[DropletArgs, DropletState]{ID: req.ID, Inputs: dropletInputs(d, old), Outputs: dropletState(d, old)}
	}
	return resps, errs
}
