package digitalocean

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/digitalocean/godo"
)

const getImageDoc = "Finds an image by its slug (such as ubuntu-24-04-x64) or numeric ID. Its slug or imageId is what a " +
	"droplet's image takes."

// GetImageArgs are the arguments of digitalocean:index:getImage.
type GetImageArgs struct {
	Slug    *string `infra:"slug" doc:"The image's slug, such as ubuntu-24-04-x64 or debian-12-x64. Give slug or imageId."`
	ImageID *int    `infra:"imageId" doc:"The image's numeric ID (for snapshots and custom images)."`
}

// GetImageResult is the result of digitalocean:index:getImage.
type GetImageResult struct {
	ImageID      int      `infra:"imageId" doc:"The image's numeric ID."`
	Slug         string   `infra:"slug" doc:"The image's slug (empty for snapshots and custom images)."`
	Name         string   `infra:"name" doc:"The image's name."`
	Distribution string   `infra:"distribution" doc:"The distribution, such as Ubuntu."`
	Type         string   `infra:"type" doc:"base, snapshot, backup or custom."`
	MinDiskSize  int      `infra:"minDiskSize" doc:"The least disk size in GiB a droplet made from it needs."`
	Regions      []string `infra:"regions" doc:"The regions it is available in."`
}

func (p *doProvider) getImage(ctx context.Context, args GetImageArgs) (GetImageResult, error) {
	c, err := p.client()
	if err != nil {
		return GetImageResult{}, err
	}
	var im *godo.Image
	switch {
	case (args.Slug == nil) == (args.ImageID == nil):
		return GetImageResult{}, errors.New("give slug or imageId (one of them)")
	case args.Slug != nil:
		im, _, err = c.godo.Images.GetBySlug(ctx, *args.Slug)
	default:
		im, _, err = c.godo.Images.GetByID(ctx, *args.ImageID)
	}
	what := str(args.Slug)
	if args.ImageID != nil {
		what = strconv.Itoa(*args.ImageID)
	}
	if isNotFound(err) {
		return GetImageResult{}, fmt.Errorf("there is no image %s; `doctl compute image list-distribution` lists the public ones", what)
	}
	if err != nil {
		return GetImageResult{}, fmt.Errorf("get image %s: %w", what, err)
	}
	return GetImageResult{ImageID: im.ID, Slug: im.Slug, Name: im.Name, Distribution: im.Distribution, Type: im.Type,
		MinDiskSize: im.MinDiskSize, Regions: im.Regions}, nil
}

const getSizesDoc = "Lists the droplet sizes, cheapest first, optionally only those available in a region."

// GetSizesArgs are the arguments of digitalocean:index:getSizes.
type GetSizesArgs struct {
	Region *string `infra:"region" doc:"Only the sizes available in this region, such as nyc3."`
}

// DropletSize is one droplet size.
type DropletSize struct {
	Slug         string   `infra:"slug" doc:"The size's slug, such as s-1vcpu-1gb: what a droplet's size takes."`
	Memory       int      `infra:"memory" doc:"Memory in MiB."`
	VCPUs        int      `infra:"vcpus" doc:"Virtual CPUs."`
	Disk         int      `infra:"disk" doc:"Disk in GiB."`
	PriceMonthly float64  `infra:"priceMonthly" doc:"The monthly price in US dollars."`
	Regions      []string `infra:"regions" doc:"The regions it is available in."`
}

// GetSizesResult is the result of digitalocean:index:getSizes.
type GetSizesResult struct {
	Sizes []DropletSize `infra:"sizes" doc:"The sizes, cheapest first."`
}

func (p *doProvider) getSizes(ctx context.Context, args GetSizesArgs) (GetSizesResult, error) {
	c, err := p.client()
	if err != nil {
		return GetSizesResult{}, err
	}
	sizes, err := listAll(ctx, func(opt *godo.ListOptions) ([]godo.Size, *godo.Response, error) { return c.godo.Sizes.List(ctx, opt) })
	if err != nil {
		return GetSizesResult{}, fmt.Errorf("list sizes: %w", err)
	}
	var out GetSizesResult
	for _, z := range sizes {
		if !z.Available || (args.Region != nil && !slices.Contains(z.Regions, *args.Region)) {
			continue
		}
		out.Sizes = append(out.Sizes, DropletSize{Slug: z.Slug, Memory: z.Memory, VCPUs: z.Vcpus, Disk: z.Disk, PriceMonthly: z.PriceMonthly, Regions: z.Regions})
	}
	slices.SortStableFunc(out.Sizes, func(a, b DropletSize) int {
		switch {
		case a.PriceMonthly < b.PriceMonthly:
			return -1
		case a.PriceMonthly > b.PriceMonthly:
			return 1
		}
		return 0
	})
	return out, nil
}

const getRegionsDoc = "Lists the regions that take new droplets."

// GetRegionsArgs are the arguments of digitalocean:index:getRegions (none).
type GetRegionsArgs struct{}

// DORegion is one region.
type DORegion struct {
	Slug     string   `infra:"slug" doc:"The region's slug, such as nyc3."`
	Name     string   `infra:"name" doc:"The region's name, such as New York 3."`
	Sizes    []string `infra:"sizes" doc:"The size slugs available in it."`
	Features []string `infra:"features" doc:"Its features, such as backups and ipv6."`
}

// GetRegionsResult is the result of digitalocean:index:getRegions.
type GetRegionsResult struct {
	Regions []DORegion `infra:"regions" doc:"The available regions, by slug."`
}

func (p *doProvider) getRegions(ctx context.Context, _ GetRegionsArgs) (GetRegionsResult, error) {
	c, err := p.client()
	if err != nil {
		return GetRegionsResult{}, err
	}
	regions, err := listAll(ctx, func(opt *godo.ListOptions) ([]godo.Region, *godo.Response, error) {
		return c.godo.Regions.List(ctx, opt)
	})
	if err != nil {
		return GetRegionsResult{}, fmt.Errorf("list regions: %w", err)
	}
	var out GetRegionsResult
	for _, r := range regions {
		if r.Available {
			out.Regions = append(out.Regions, DORegion{Slug: r.Slug, Name: r.Name, Sizes: r.Sizes, Features: r.Features})
		}
	}
	slices.SortFunc(out.Regions, func(a, b DORegion) int {
		switch {
		case a.Slug < b.Slug:
			return -1
		case a.Slug > b.Slug:
			return 1
		}
		return 0
	})
	return out, nil
}
