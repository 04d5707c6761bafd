package sim

import (
	"net/http"
	"testing"

	"github.com/digitalocean/godo"
)

const testKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq7f4oGv0cXlY3Vm8kq2r2m3h0Gk1x0Zb0s1r8Xw5Ey sim@test"

func newDroplet(t *testing.T, c *godo.Client, name, region string, tags ...string) *godo.Droplet {
	t.Helper()
	return must[*godo.Droplet](t, "create "+name)(c.Droplets.Create(t.Context(), &godo.DropletCreateRequest{Name: name, Region: region,
		Size: "s-1vcpu-1gb", Image: godo.DropletCreateImage{Slug: "debian-12-x64"}, Tags: tags}))
}

func TestSSHKeysAndTags(t *testing.T) {
	t.Parallel()
	s, c := start(t, Options{})
	ctx := t.Context()
	k := must[*godo.Key](t, "create key")(c.Keys.Create(ctx, &godo.KeyCreateRequest{Name: "deploy", PublicKey: testKey}))
	if k.Fingerprint == "" || k.ID == 0 {
		t.Errorf("key = %+v", k)
	}
	if _, _, err := c.Keys.Create(ctx, &godo.KeyCreateRequest{Name: "again", PublicKey: testKey}); statusOf(err) != http.StatusUnprocessableEntity {
		t.Errorf("duplicate key: %v, want 422", err)
	}
	if got := must[*godo.Key](t, "get by fingerprint")(c.Keys.GetByFingerprint(ctx, k.Fingerprint)); got.ID != k.ID {
		t.Errorf("by fingerprint: %+v", got)
	}
	if got := must[*godo.Key](t, "rename")(c.Keys.UpdateByID(ctx, k.ID, &godo.KeyUpdateRequest{Name: "ci"})); got.Name != "ci" {
		t.Errorf("renamed: %+v", got)
	}
	if _, _, err := c.Keys.Create(ctx, &godo.KeyCreateRequest{Name: "bad", PublicKey: "not a key"}); statusOf(err) != http.StatusUnprocessableEntity {
		t.Errorf("bad key: %v, want 422", err)
	}
	withKey := must[*godo.Droplet](t, "create with key")(c.Droplets.Create(ctx, &godo.DropletCreateRequest{Name: "keyed", Region: "nyc3",
		Size: "s-1vcpu-1gb", Image: godo.DropletCreateImage{Slug: "debian-12-x64"}, SSHKeys: []godo.DropletCreateSSHKey{{ID: k.ID}, {Fingerprint: k.Fingerprint}}}))
	if _, _, err := c.Droplets.Create(ctx, &godo.DropletCreateRequest{Name: "unkeyed", Region: "nyc3", Size: "s-1vcpu-1gb",
		Image: godo.DropletCreateImage{Slug: "debian-12-x64"}, SSHKeys: []godo.DropletCreateSSHKey{{ID: 1}}}); statusOf(err) != http.StatusUnprocessableEntity {
		t.Errorf("unknown key: %v, want 422", err)
	}
	if _, err := c.Droplets.Delete(ctx, withKey.ID); err != nil {
		t.Fatal(err)
	}
	tg := must[*godo.Tag](t, "create tag")(c.Tags.Create(ctx, &godo.TagCreateRequest{Name: "env:prod"}))
	d := newDroplet(t, c, "tagged", "nyc3")
	if _, err := c.Tags.TagResources(ctx, tg.Name, &godo.TagResourcesRequest{Resources: []godo.Resource{{ID: itoa(d.ID), Type: godo.DropletResourceType}}}); err != nil {
		t.Fatal(err)
	}
	got := must[*godo.Tag](t, "get tag")(c.Tags.Get(ctx, tg.Name))
	if got.Resources.Count != 1 || got.Resources.Droplets.Count != 1 {
		t.Errorf("tag resources %+v", got.Resources)
	}
	if l := must[[]godo.Droplet](t, "by tag")(c.Droplets.ListByTag(ctx, "env:prod", nil)); len(l) != 1 {
		t.Errorf("%d droplets tagged", len(l))
	}
	if _, err := c.Tags.UntagResources(ctx, tg.Name, &godo.UntagResourcesRequest{Resources: []godo.Resource{{ID: itoa(d.ID), Type: godo.DropletResourceType}}}); err != nil {
		t.Fatal(err)
	}
	if l := must[[]godo.Droplet](t, "by tag")(c.Droplets.ListByTag(ctx, "env:prod", nil)); len(l) != 0 {
		t.Errorf("%d droplets tagged after untag", len(l))
	}
	if o := s.Objects(); o.SSHKeys != 1 || o.Tags != 1 || o.Droplets != 1 {
		t.Errorf("objects %+v", o)
	}
	for _, del := range []func() (*godo.Response, error){
		func() (*godo.Response, error) { return c.Tags.Delete(ctx, tg.Name) },
		func() (*godo.Response, error) { return c.Keys.DeleteByID(ctx, k.ID) },
		func() (*godo.Response, error) { return c.Droplets.Delete(ctx, d.ID) },
	} {
		if _, err := del(); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.Objects().Total(); n != 0 {
		t.Errorf("%d objects left", n)
	}
}

func TestVPCsAndReservedIPs(t *testing.T) {
	t.Parallel()
	s, c := start(t, Options{Regions: []string{"nyc3", "ams3"}})
	ctx := t.Context()
	vpcs := must[[]*godo.VPC](t, "list vpcs")(c.VPCs.List(ctx, nil))
	if len(vpcs) != 2 || !vpcs[0].Default {
		t.Fatalf("default vpcs = %+v", vpcs)
	}
	v := must[*godo.VPC](t, "create vpc")(c.VPCs.Create(ctx, &godo.VPCCreateRequest{Name: "app", RegionSlug: "nyc3", IPRange: "10.20.0.0/24"}))
	if v.Default || v.IPRange != "10.20.0.0/24" {
		t.Errorf("vpc = %+v", v)
	}
	if got := must[*godo.VPC](t, "update vpc")(c.VPCs.Update(ctx, v.ID, &godo.VPCUpdateRequest{Name: "app2", Description: "x"})); got.Name != "app2" {
		t.Errorf("updated vpc %+v", got)
	}
	d := must[*godo.Droplet](t, "create in vpc")(c.Droplets.Create(ctx, &godo.DropletCreateRequest{Name: "in-vpc", Region: "nyc3", Size: "s-1vcpu-1gb",
		Image: godo.DropletCreateImage{Slug: "debian-12-x64"}, VPCUUID: v.ID}))
	if d.VPCUUID != v.ID {
		t.Errorf("droplet vpc %q", d.VPCUUID)
	}
	if _, err := c.VPCs.Delete(ctx, v.ID); statusOf(err) != http.StatusForbidden {
		t.Errorf("delete vpc with members: %v, want 403", err)
	}
	ip := must[*godo.ReservedIP](t, "reserve")(c.ReservedIPs.Create(ctx, &godo.ReservedIPCreateRequest{Region: "nyc3"}))
	if ip.Droplet != nil || ip.Region.Slug != "nyc3" {
		t.Errorf("reserved ip %+v", ip)
	}
	eventually(t, "droplet active", func() (bool, error) {
		got, _, err := c.Droplets.Get(ctx, d.ID)
		return err == nil && got.Status == "active", err
	})
	waitAction(t, c, must[*godo.Action](t, "assign")(c.ReservedIPActions.Assign(ctx, ip.IP, d.ID)))
	got := must[*godo.ReservedIP](t, "get ip")(c.ReservedIPs.Get(ctx, ip.IP))
	if got.Droplet == nil || got.Droplet.ID != d.ID {
		t.Errorf("assigned ip droplet %+v", got.Droplet)
	}
	if l := must[[]godo.Action](t, "ip actions")(c.ReservedIPActions.List(ctx, ip.IP, nil)); len(l) != 1 {
		t.Errorf("%d ip actions", len(l))
	}
	waitAction(t, c, must[*godo.Action](t, "unassign")(c.ReservedIPActions.Unassign(ctx, ip.IP)))
	if got := must[*godo.ReservedIP](t, "get ip")(c.ReservedIPs.Get(ctx, ip.IP)); got.Droplet != nil {
		t.Errorf("unassigned ip still on %d", got.Droplet.ID)
	}
	with := must[*godo.ReservedIP](t, "reserve for droplet")(c.ReservedIPs.Create(ctx, &godo.ReservedIPCreateRequest{DropletID: d.ID}))
	if with.Droplet == nil {
		t.Errorf("reserved for a droplet: %+v", with)
	}
	if o := s.Objects(); o.VPCs != 1 || o.ReservedIPs != 2 {
		t.Errorf("objects %+v", o)
	}
	for _, del := range []func() (*godo.Response, error){
		func() (*godo.Response, error) { return c.ReservedIPs.Delete(ctx, ip.IP) },
		func() (*godo.Response, error) { return c.ReservedIPs.Delete(ctx, with.IP) },
		func() (*godo.Response, error) { return c.Droplets.Delete(ctx, d.ID) },
		func() (*godo.Response, error) { return c.VPCs.Delete(ctx, v.ID) },
	} {
		if _, err := del(); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.Objects().Total(); n != 0 {
		t.Errorf("%d objects left", n)
	}
}
