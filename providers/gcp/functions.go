package gcp

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"cloud.google.com/go/compute/apiv1/computepb"
)

const getImageDoc = "Finds a public or private image: the newest image of a family (such as debian-12 in debian-cloud), " +
	"or an image by name. Its imageId is what an instance's bootDisk.image takes."

// GetImageArgs are the arguments of gcp:compute:getImage.
type GetImageArgs struct {
	Project string  `infra:"project" doc:"The project that holds the image, such as debian-cloud or ubuntu-os-cloud."`
	Family  *string `infra:"family" doc:"The image family, such as debian-12; the newest image of it is returned. Give family or name."`
	Name    *string `infra:"name" doc:"The image's name."`
}

// GetImageResult is the result of gcp:compute:getImage.
type GetImageResult struct {
	ImageID      string `infra:"imageId" doc:"The image's path, projects/P/global/images/NAME."`
	Name         string `infra:"name" doc:"The image's name."`
	Family       string `infra:"family" doc:"The image's family."`
	Description  string `infra:"description" doc:"The image's description."`
	Architecture string `infra:"architecture" doc:"X86_64 or ARM64."`
	DiskSizeGB   int    `infra:"diskSizeGb" doc:"The size of a disk made from the image, in GB."`
}

func (p *gcpProvider) getImage(ctx context.Context, args GetImageArgs) (GetImageResult, error) {
	c, err := p.clients()
	if err != nil {
		return GetImageResult{}, err
	}
	if (args.Family == nil) == (args.Name == nil) {
		return GetImageResult{}, errors.New("give family or name (one of them)")
	}
	var im *computepb.Image
	if args.Family != nil {
		im, err = c.images.GetFromFamily(ctx, &computepb.GetFromFamilyImageRequest{Project: args.Project, Family: *args.Family}, c.retry)
	} else {
		im, err = c.images.Get(ctx, &computepb.GetImageRequest{Project: args.Project, Image: *args.Name}, c.retry)
	}
	if isNotFound(err) {
		return GetImageResult{}, fmt.Errorf("project %s has no image %s", args.Project, strings.TrimPrefix(str(args.Family)+str(args.Name), ""))
	}
	if err != nil {
		return GetImageResult{}, fmt.Errorf("get the image: %w", err)
	}
	return GetImageResult{ImageID: rel(im.GetSelfLink()), Name: im.GetName(), Family: im.GetFamily(), Description: im.GetDescription(),
		Architecture: im.GetArchitecture(), DiskSizeGB: int(im.GetDiskSizeGb())}, nil
}

const getZonesDoc = "Lists the zones of a region, in order, for spreading instances over them."

// GetZonesArgs are the arguments of gcp:compute:getZones.
type GetZonesArgs struct {
	Region  *string `infra:"region" doc:"The region. Unset: the provider's region."`
	Project *string `infra:"project" doc:"The project. Unset: the provider's project."`
}

// GetZonesResult is the result of gcp:compute:getZones.
type GetZonesResult struct {
	Names []string `infra:"names" doc:"The zones' names, such as us-central1-a."`
}

func (p *gcpProvider) getZones(ctx context.Context, args GetZonesArgs) (GetZonesResult, error) {
	c, err := p.clients()
	if err != nil {
		return GetZonesResult{}, err
	}
	project, err := c.needProject(args.Project)
	if err != nil {
		return GetZonesResult{}, err
	}
	region, err := c.needRegion(args.Region)
	if err != nil {
		return GetZonesResult{}, err
	}
	r, err := c.regions.Get(ctx, &computepb.GetRegionRequest{Project: project, Region: region}, c.retry)
	if err != nil {
		return GetZonesResult{}, fmt.Errorf("get region %s: %w", region, err)
	}
	res := GetZonesResult{Names: []string{}}
	for _, z := range r.GetZones() {
		res.Names = append(res.Names, last(z))
	}
	return res, nil
}
