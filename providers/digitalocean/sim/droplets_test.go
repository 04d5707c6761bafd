package sim

import (
	"net/http"
	"slices"
	"testing"

	"github.com/digitalocean/godo"
)

func TestCatalogue(t *testing.T) {
	t.Parallel()
	_, c := start(t, Options{})
	ctx := t.Context()
	acct := must[*godo.Account](t, "account")(c.Account.Get(ctx))
	if acct.Status != "active" || acct.DropletLimit == 0 {
		t.Errorf("account = %+v", acct)
	}
	regions := must[[]godo.Region](t, "regions")(c.Regions.List(ctx, &godo.ListOptions{PerPage: 200}))
	if len(regions) != len(DefaultRegions) || regions[0].Slug != DefaultRegions[0] {
		t.Errorf("regions = %v", regions)
	}
	sz := must[[]godo.Size](t, "sizes")(c.Sizes.List(ctx, nil))
	if len(sz) == 0 || sz[0].Slug == "" {
		t.Errorf("sizes = %v", sz)
	}
	imgs := must[[]godo.Image](t, "images")(c.Images.ListDistribution(ctx, nil))
	if len(imgs) != len(images) {
		t.Errorf("%d distribution images, want %d", len(imgs), len(images))
	}
	im := must[*godo.Image](t, "image by slug")(c.Images.GetBySlug(ctx, "debian-12-x64"))
	if im.Distribution != "Debian" {
		t.Errorf("image = %+v", im)
	}
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	s := New(Options{Token: "right"})
	l, err := s.Start(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, _, err = client(t, l.URL, "wrong").Account.Get(t.Context())
	if statusOf(err) != http.StatusUnauthorized {
		t.Fatalf("wrong token: %v, want 401", err)
	}
	if e := err.(*godo.ErrorResponse); e.Message != "Unable to authenticate you" {
		t.Errorf("message %q", e.Message)
	}
	if _, _, err := client(t, l.URL, "right").Account.Get(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func TestDroplets(t *testing.T) {
	t.Parallel()
	s, c := start(t, Options{PageSize: 2})
	ctx := t.Context()
	d := must[*godo.Droplet](t, "create")(c.Droplets.Create(ctx, &godo.DropletCreateRequest{Name: "web-1", Region: "nyc3", Size: "s-1vcpu-1gb",
		Image: godo.DropletCreateImage{Slug: "ubuntu-24-04-x64"}, Tags: []string{"web"}, IPv6: true, UserData: "#!/bin/sh\necho hi\n"}))
	if d.Status != "new" || len(d.Networks.V4) != 0 {
		t.Errorf("new droplet: status %q networks %+v", d.Status, d.Networks)
	}
	more := must[[]godo.Droplet](t, "create multiple")(c.Droplets.CreateMultiple(ctx, &godo.DropletMultiCreateRequest{Names: []string{"web-2", "web-3", "db-1"},
		Region: "nyc3", Size: "s-1vcpu-1gb", Image: godo.DropletCreateImage{Slug: "debian-12-x64"}, Tags: []string{"web"}}))
	if len(more) != 3 {
		t.Fatalf("created %d droplets, want 3", len(more))
	}
	eventually(t, "droplet active", func() (bool, error) {
		got, _, err := c.Droplets.Get(ctx, d.ID)
		return err == nil && got.Status == "active", err
	})
	got := must[*godo.Droplet](t, "get")(c.Droplets.Get(ctx, d.ID))
	pub, _ := got.PublicIPv4()
	priv, _ := got.PrivateIPv4()
	v6, _ := got.PublicIPv6()
	if pub == "" || priv == "" || v6 == "" || got.VPCUUID == "" {
		t.Errorf("active droplet networks %+v vpc %q", got.Networks, got.VPCUUID)
	}
	// Pages of two: the listing must follow links.pages.next.
	var all []godo.Droplet
	opt := &godo.ListOptions{PerPage: 10}
	for {
		page, resp, err := c.Droplets.ListByTag(ctx, "web", opt)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if resp.Links == nil || resp.Links.IsLastPage() {
			break
		}
		n, _ := resp.Links.CurrentPage()
		opt.Page = n + 1
	}
	if len(all) != 4 {
		t.Errorf("listed %d droplets tagged web, want 4", len(all))
	}
	for _, step := range []func() (*godo.Action, *godo.Response, error){
		func() (*godo.Action, *godo.Response, error) { return c.DropletActions.PowerOff(ctx, d.ID) },
		func() (*godo.Action, *godo.Response, error) {
			return c.DropletActions.Resize(ctx, d.ID, "s-2vcpu-2gb", false)
		},
		func() (*godo.Action, *godo.Response, error) { return c.DropletActions.PowerOn(ctx, d.ID) },
		func() (*godo.Action, *godo.Response, error) { return c.DropletActions.Rename(ctx, d.ID, "web-one") },
	} {
		waitAction(t, c, must[*godo.Action](t, "action")(step()))
	}
	got = must[*godo.Droplet](t, "get")(c.Droplets.Get(ctx, d.ID))
	if got.Status != "active" || got.SizeSlug != "s-2vcpu-2gb" || got.Name != "web-one" {
		t.Errorf("after actions: status %q size %q name %q", got.Status, got.SizeSlug, got.Name)
	}
	acts := must[[]godo.Action](t, "droplet actions")(c.Droplets.Actions(ctx, d.ID, nil))
	if len(acts) != 2 { // pages of two
		t.Errorf("first page of actions has %d, want 2", len(acts))
	}
	if _, _, err := c.DropletActions.Resize(ctx, d.ID, "s-1vcpu-1gb", false); statusOf(err) != http.StatusUnprocessableEntity {
		t.Errorf("resize while on: %v, want 422", err)
	}
	if sd := s.Droplets(); len(sd) != 4 || sd[0].UserData == "" || !slices.Contains(sd[0].Tags, "web") {
		t.Errorf("Droplets() = %+v", sd)
	}
	if _, err := c.Droplets.Delete(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Droplets.Get(ctx, d.ID); statusOf(err) != http.StatusNotFound {
		t.Errorf("get after delete: %v, want 404", err)
	}
	if _, err := c.Droplets.DeleteByTag(ctx, "web"); err != nil {
		t.Fatal(err)
	}
	if n := s.Objects().Droplets; n != 0 {
		t.Errorf("%d droplets left", n)
	}
	if _, _, err := c.Droplets.Create(ctx, &godo.DropletCreateRequest{Name: "x", Region: "nowhere1", Size: "s-1vcpu-1gb",
		Image: godo.DropletCreateImage{Slug: "debian-12-x64"}}); statusOf(err) != http.StatusUnprocessableEntity {
		t.Errorf("bad region: %v, want 422", err)
	}
}
