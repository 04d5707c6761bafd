package aws

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/infrago/infra/sdk/provider"
)

const zoneDoc = "A Route 53 hosted zone: public, or private to a VPC. It is created with the create's idempotency token as " +
	"its caller reference, and the create waits until the zone is in sync. Changing the comment or tags updates it " +
	"in place; changing the name or VPC replaces it. Point the domain's registrar at nameServers. Import it by its " +
	"zone ID (Z...)."

// ZoneArgs are the inputs of aws:route53:Zone.
type ZoneArgs struct {
	Name string `infra:"name,replace" doc:"The domain name, such as example.com. A change replaces the zone."`

	Comment *string `infra:"comment" default:"Managed by infra" doc:"A comment shown by the console."`

	VpcID *string `infra:"vpcId,replace" doc:"The VPC a private zone answers in (in the provider's region). Unset: a public zone. A change replaces the zone."`

	ForceDestroy *bool `infra:"forceDestroy" doc:"Whether to delete every record of the zone (not only those this program manages) when the zone is deleted; otherwise a zone with records left is not deleted."`

	Tags map[string]string `infra:"tags" doc:"The tags of the zone. The provider's default tags are added."`
}

// ZoneState are the outputs of aws:route53:Zone.
type ZoneState struct {
	ZoneArgs
	ZoneID      string            `infra:"zoneId" doc:"The zone's ID (Z...), what records take; also the resource's ID."`
	ARN         string            `infra:"arn" doc:"The zone's ARN."`
	NameServers []string          `infra:"nameServers" doc:"The name servers of the zone's delegation set (a public zone's)."`
	TagsAll     map[string]string `infra:"tagsAll" doc:"The tags of the zone: its own tags and the provider's default tags together."`
}

type zoneResource struct{ p *awsProvider }

// Check validates the name.
func (r *zoneResource) Check(_ context.Context, req provider.CheckRequest[ZoneArgs]) (ZoneArgs, []provider.CheckFailure, error) {
	in := req.Inputs
	var fs []provider.CheckFailure
	n := strings.TrimSuffix(in.Name, ".")
	if n == "" || !strings.Contains(n, ".") && len(n) > 63 || strings.ContainsAny(n, " /\\*") {
		fs = append(fs, provider.CheckFailure{Property: "name", Reason: fmt.Sprintf("%q is not a domain name such as example.com", in.Name)})
	}
	return in, fs, nil
}

// Diff compares names without case or the final dot.
func (r *zoneResource) Diff(_ context.Context, req provider.DiffRequest[ZoneArgs, ZoneState]) (provider.DiffResponse, error) {
	old, news := req.OldInputs, req.Inputs
	if sameDomain(old.Name, news.Name) {
		news.Name = old.Name
	}
	return provider.DiffStructs(old, news)
}

// sameDomain compares DNS names as DNS does: without case or the final dot.
func sameDomain(a, b string) bool {
	return strings.EqualFold(strings.TrimSuffix(a, "."), strings.TrimSuffix(b, "."))
}

// zoneID strips the /hostedzone/ prefix Route 53 puts on zone IDs.
func zoneID(id string) string { return strings.TrimPrefix(id, "/hostedzone/") }

// Create creates the zone with the idempotency token as its caller reference, tags it, and waits until it is
// in sync. A zone with the same caller reference exists only if this very create made it (its answer was lost),
// so it is adopted.
func (r *zoneResource) Create(ctx context.Context, req provider.CreateRequest[ZoneArgs]) (provider.CreateResponse[ZoneState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.CreateResponse[ZoneState]{}, err
	}
	in := req.Inputs
	input := &route53.CreateHostedZoneInput{Name: aws.String(in.Name), CallerReference: aws.String(req.IdempotencyToken),
		HostedZoneConfig: &r53types.HostedZoneConfig{Comment: in.Comment, PrivateZone: in.VpcID != nil}}
	if in.VpcID != nil {
		input.VPC = &r53types.VPC{VPCId: in.VpcID, VPCRegion: r53types.VPCRegion(c.region)}
	}
	var id string
	var change *r53types.ChangeInfo
	out, err := c.r53.CreateHostedZone(ctx, input)
	switch {
	case isCode(err, "HostedZoneAlreadyExists"):
		z, ferr := c.findZoneByCallerRef(ctx, req.IdempotencyToken)
		if ferr != nil || z == "" {
			return provider.CreateResponse[ZoneState]{}, fmt.Errorf("create hosted zone %s: %w", in.Name, err)
		}
		id = z
	case err != nil:
		return provider.CreateResponse[ZoneState]{}, fmt.Errorf("create hosted zone %s: %w", in.Name, err)
	default:
		id, change = zoneID(aws.ToString(out.HostedZone.Id)), out.ChangeInfo
	}
	err = retryOn(ctx, c.log, "tag the new zone", propagation, []string{"NoSuchHostedZone"}, func() error {
		return c.syncZoneTags(ctx, id, map[string]string{tagURN: string(req.URN), tagToken: req.IdempotencyToken}, in.Tags)
	})
	if err != nil {
		return provider.CreateResponse[ZoneState]{ID: id, Outputs: ZoneState{ZoneArgs: in, ZoneID: id}}, err
	}
	if change != nil {
		if err := c.waitChange(ctx, aws.ToString(change.Id)); err != nil {
			return provider.CreateResponse[ZoneState]{ID: id, Outputs: ZoneState{ZoneArgs: in, ZoneID: id}}, err
		}
	}
	resp, err := r.read(ctx, c, id, &in)
	if err != nil || resp.ID == "" {
		if err == nil {
			err = fmt.Errorf("hosted zone %s disappeared right after it was created", id)
		}
		return provider.CreateResponse[ZoneState]{ID: id, Outputs: ZoneState{ZoneArgs: in, ZoneID: id}}, err
	}
	out2 := resp.Outputs
	out2.ZoneArgs = in
	return provider.CreateResponse[ZoneState]{ID: id, Outputs: out2}, nil
}

// waitChange waits until a Route 53 change is INSYNC.
func (c *clients) waitChange(ctx context.Context, id string) error {
	w := route53.NewResourceRecordSetsChangedWaiter(c.r53, func(o *route53.ResourceRecordSetsChangedWaiterOptions) { c.tuneWaiter(&o.MinDelay, &o.MaxDelay) })
	if err := w.Wait(ctx, &route53.GetChangeInput{Id: aws.String(id)}, maxWait(ctx)); err != nil {
		return waitErr("Route 53 change "+id+" to sync", err)
	}
	return nil
}

// findZoneByCallerRef returns the ID of the zone created with a caller reference ("" when there is none).
func (c *clients) findZoneByCallerRef(ctx context.Context, ref string) (string, error) {
	pages := route53.NewListHostedZonesPaginator(c.r53, &route53.ListHostedZonesInput{})
	for pages.HasMorePages() {
		p, err := pages.NextPage(ctx)
		if err != nil {
			return "", fmt.Errorf("list hosted zones: %w", err)
		}
		for _, z := range p.HostedZones {
			if aws.ToString(z.CallerReference) == ref {
				return zoneID(aws.ToString(z.Id)), nil
			}
		}
	}
	return "", nil
}

// zoneTags reads a zone's tags.
func (c *clients) zoneTags(ctx context.Context, id string) (map[string]string, error) {
	out, err := c.r53.ListTagsForResource(ctx, &route53.ListTagsForResourceInput{ResourceType: r53types.TagResourceTypeHostedzone, ResourceId: aws.String(id)})
	if err != nil {
		return nil, fmt.Errorf("read the tags of hosted zone %s: %w", id, err)
	}
	m := map[string]string{}
	if out.ResourceTagSet != nil {
		for _, t := range out.ResourceTagSet.Tags {
			m[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	return m, nil
}

// syncZoneTags makes a zone's tags the desired ones plus extra (the provider's own, at creation).
func (c *clients) syncZoneTags(ctx context.Context, id string, extra, user map[string]string) error {
	live, err := c.zoneTags(ctx, id)
	if err != nil {
		return err
	}
	want := c.desiredTags(user)
	for k, v := range extra {
		want[k] = v
	}
	set, remove := tagChanges(live, want)
	if len(set) == 0 && len(remove) == 0 {
		return nil
	}
	input := &route53.ChangeTagsForResourceInput{ResourceType: r53types.TagResourceTypeHostedzone, ResourceId: aws.String(id)}
	for _, k := range sortedKeys(set) {
		input.AddTags = append(input.AddTags, r53types.Tag{Key: aws.String(k), Value: aws.String(set[k])})
	}
	input.RemoveTagKeys = remove
	if _, err := c.r53.ChangeTagsForResource(ctx, input); err != nil {
		return fmt.Errorf("tag hosted zone %s: %w", id, err)
	}
	return nil
}

func (r *zoneResource) read(ctx context.Context, c *clients, id string, old *ZoneArgs) (provider.ReadResponse[ZoneArgs, ZoneState], error) {
	out, err := c.r53.GetHostedZone(ctx, &route53.GetHostedZoneInput{Id: aws.String(id)})
	if isCode(err, "NoSuchHostedZone", "InvalidInput") {
		return provider.ReadResponse[ZoneArgs, ZoneState]{}, nil
	}
	if err != nil {
		return provider.ReadResponse[ZoneArgs, ZoneState]{}, fmt.Errorf("read hosted zone %s: %w", id, err)
	}
	tags, err := c.zoneTags(ctx, id)
	if err != nil {
		return provider.ReadResponse[ZoneArgs, ZoneState]{}, err
	}
	var in ZoneArgs
	if old != nil {
		in = *old
	}
	live := strings.TrimSuffix(aws.ToString(out.HostedZone.Name), ".")
	if !sameDomain(live, in.Name) {
		in.Name = live
	}
	if cfg := out.HostedZone.Config; cfg != nil {
		in.Comment = cfg.Comment
		if old != nil && old.Comment != nil && in.Comment == nil {
			in.Comment = aws.String("")
		}
	}
	in.VpcID = nil
	for _, v := range out.VPCs {
		in.VpcID = v.VPCId
	}
	var oldTags map[string]string
	if old != nil {
		oldTags = old.Tags
	}
	in.Tags = c.userTags(tags, oldTags)
	st := ZoneState{ZoneArgs: in, ZoneID: id, ARN: "arn:aws:route53:::hostedzone/" + id, TagsAll: visibleTags(tags), NameServers: []string{}}
	if out.DelegationSet != nil {
		st.NameServers = out.DelegationSet.NameServers
	}
	return provider.ReadResponse[ZoneArgs, ZoneState]{ID: id, Inputs: in, Outputs: st}, nil
}

// Read reads the zone for refresh and import.
func (r *zoneResource) Read(ctx context.Context, req provider.ReadRequest[ZoneArgs, ZoneState]) (provider.ReadResponse[ZoneArgs, ZoneState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.ReadResponse[ZoneArgs, ZoneState]{}, err
	}
	var old *ZoneArgs
	if !req.Import {
		old = &req.Inputs
	}
	return r.read(ctx, c, zoneID(req.ID), old)
}

// Lookup finds the zone a create made by its caller reference, the create's idempotency token.
func (r *zoneResource) Lookup(ctx context.Context, req provider.LookupRequest[ZoneArgs]) (provider.ReadResponse[ZoneArgs, ZoneState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.ReadResponse[ZoneArgs, ZoneState]{}, err
	}
	id, err := c.findZoneByCallerRef(ctx, req.IdempotencyToken)
	if err != nil || id == "" {
		return provider.ReadResponse[ZoneArgs, ZoneState]{}, err
	}
	return r.read(ctx, c, id, nil)
}

// Update changes the comment and tags.
func (r *zoneResource) Update(ctx context.Context, req provider.UpdateRequest[ZoneArgs, ZoneState]) (provider.UpdateResponse[ZoneState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.UpdateResponse[ZoneState]{}, err
	}
	id, in := zoneID(req.ID), req.Inputs
	if str(in.Comment) != str(req.OldInputs.Comment) {
		_, err := c.r53.UpdateHostedZoneComment(ctx, &route53.UpdateHostedZoneCommentInput{Id: aws.String(id), Comment: aws.String(str(in.Comment))})
		if err != nil {
			return provider.UpdateResponse[ZoneState]{}, fmt.Errorf("change the comment of hosted zone %s: %w", id, err)
		}
	}
	if err := c.syncZoneTags(ctx, id, nil, in.Tags); err != nil {
		return provider.UpdateResponse[ZoneState]{}, err
	}
	resp, err := r.read(ctx, c, id, &in)
	if err != nil {
		return provider.UpdateResponse[ZoneState]{}, err
	}
	if resp.ID == "" {
		return provider.UpdateResponse[ZoneState]{}, fmt.Errorf("hosted zone %s no longer exists: run `infra up --refresh`, which notices it is gone and creates it again", id)
	}
	out := resp.Outputs
	out.ZoneArgs = in
	return provider.UpdateResponse[ZoneState]{Outputs: out}, nil
}

// Delete deletes the zone (and, with forceDestroy, every record left in it). A zone that is gone already is
// fine.
func (r *zoneResource) Delete(ctx context.Context, req provider.DeleteRequest[ZoneArgs, ZoneState]) error {
	c, err := r.p.clients()
	if err != nil {
		return err
	}
	id := zoneID(req.ID)
	if req.Inputs.ForceDestroy != nil && *req.Inputs.ForceDestroy {
		if err := c.emptyZone(ctx, id); err != nil {
			return err
		}
	}
	_, err = c.r53.DeleteHostedZone(ctx, &route53.DeleteHostedZoneInput{Id: aws.String(id)})
	switch {
	case isCode(err, "NoSuchHostedZone"):
		return nil
	case isCode(err, "HostedZoneNotEmpty"):
		return fmt.Errorf("delete hosted zone %s: it still holds records this program does not manage; delete them, or set forceDestroy: %w", id, err)
	case err != nil:
		return fmt.Errorf("delete hosted zone %s: %w", id, err)
	}
	return nil
}

// emptyZone deletes every record of a zone except its own SOA and NS records.
func (c *clients) emptyZone(ctx context.Context, id string) error {
	z, err := c.r53.GetHostedZone(ctx, &route53.GetHostedZoneInput{Id: aws.String(id)})
	if isCode(err, "NoSuchHostedZone") {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read hosted zone %s: %w", id, err)
	}
	apex := aws.ToString(z.HostedZone.Name)
	var changes []r53types.Change
	pages := route53.NewListResourceRecordSetsPaginator(c.r53, &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String(id)})
	for pages.HasMorePages() {
		p, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list the records of hosted zone %s: %w", id, err)
		}
		for _, rr := range p.ResourceRecordSets {
			if strings.EqualFold(aws.ToString(rr.Name), apex) && (rr.Type == r53types.RRTypeSoa || rr.Type == r53types.RRTypeNs) {
				continue
			}
			rr := rr
			changes = append(changes, r53types.Change{Action: r53types.ChangeActionDelete, ResourceRecordSet: &rr})
		}
	}
	for start := 0; start < len(changes); start += 100 {
		batch := changes[start:min(start+100, len(changes))]
		if _, err := c.r53.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(id),
			ChangeBatch: &r53types.ChangeBatch{Changes: batch, Comment: aws.String("forceDestroy by infra")}}); err != nil {
			return fmt.Errorf("delete the records of hosted zone %s: %w", id, err)
		}
	}
	return nil
}
