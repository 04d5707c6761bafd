package sim

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
)

func TestRoute53ZonesAndRecords(t *testing.T) {
	t.Parallel()
	s, cfg := start(t, Options{})
	c, ctx := route53.NewFromConfig(cfg), ctxT(t)
	created, err := c.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String("Example.com"), CallerReference: aws.String("ref-1"),
		HostedZoneConfig: &r53types.HostedZoneConfig{Comment: aws.String("hello")}})
	if err != nil {
		t.Fatal(err)
	}
	z := created.HostedZone
	id := strings.TrimPrefix(aws.ToString(z.Id), "/hostedzone/")
	if !strings.HasPrefix(aws.ToString(z.Id), "/hostedzone/Z") || aws.ToString(z.Name) != "example.com." || aws.ToString(z.CallerReference) != "ref-1" ||
		aws.ToString(z.Config.Comment) != "hello" || aws.ToInt64(z.ResourceRecordSetCount) != 2 || created.ChangeInfo.Status != r53types.ChangeStatusPending ||
		len(created.DelegationSet.NameServers) != 4 || !strings.HasPrefix(aws.ToString(created.Location), "https://route53.amazonaws.com/2013-04-01/hostedzone/Z") {
		t.Fatalf("CreateHostedZone = %+v", created)
	}
	_, err = c.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String("example.com"), CallerReference: aws.String("ref-1")})
	if code(err) != "HostedZoneAlreadyExists" {
		t.Errorf("reused caller reference: %v", err)
	}
	w := route53.NewResourceRecordSetsChangedWaiter(c, func(o *route53.ResourceRecordSetsChangedWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond
	})
	if err := w.Wait(ctx, &route53.GetChangeInput{Id: created.ChangeInfo.Id}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetHostedZone(ctx, &route53.GetHostedZoneInput{Id: &id})
	if err != nil || aws.ToString(got.HostedZone.Name) != "example.com." || len(got.DelegationSet.NameServers) != 4 {
		t.Fatalf("GetHostedZone = %+v, %v", got, err)
	}
	upd, err := c.UpdateHostedZoneComment(ctx, &route53.UpdateHostedZoneCommentInput{Id: &id, Comment: aws.String("bye")})
	if err != nil || aws.ToString(upd.HostedZone.Config.Comment) != "bye" {
		t.Fatalf("UpdateHostedZoneComment = %+v, %v", upd, err)
	}
	if _, err := c.ChangeTagsForResource(ctx, &route53.ChangeTagsForResourceInput{ResourceType: r53types.TagResourceTypeHostedzone, ResourceId: &id,
		AddTags: []r53types.Tag{{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("b"), Value: aws.String("2")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ChangeTagsForResource(ctx, &route53.ChangeTagsForResourceInput{ResourceType: r53types.TagResourceTypeHostedzone, ResourceId: &id,
		RemoveTagKeys: []string{"a"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListTagsForResource(ctx, &route53.ListTagsForResourceInput{ResourceType: r53types.TagResourceTypeHostedzone, ResourceId: &id})
	if err != nil || len(tags.ResourceTagSet.Tags) != 1 || aws.ToString(tags.ResourceTagSet.Tags[0].Key) != "b" || aws.ToString(tags.ResourceTagSet.ResourceId) != id {
		t.Fatalf("ListTagsForResource = %+v, %v", tags, err)
	}

	// An alias to a load balancer, and plain records.
	_, subnets := defaultNetwork(t, s)
	lb, err := elbv2.NewFromConfig(cfg).CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String("web"), Subnets: subnets[:2]})
	if err != nil {
		t.Fatal(err)
	}
	alias := r53types.ResourceRecordSet{Name: aws.String("www.example.com"), Type: r53types.RRTypeA, AliasTarget: &r53types.AliasTarget{
		DNSName: lb.LoadBalancers[0].DNSName, HostedZoneId: lb.LoadBalancers[0].CanonicalHostedZoneId, EvaluateTargetHealth: true}}
	txt := r53types.ResourceRecordSet{Name: aws.String("example.com"), Type: r53types.RRTypeTxt, TTL: aws.Int64(300),
		ResourceRecords: []r53types.ResourceRecord{{Value: aws.String(`"v=spf1 -all"`)}}}
	var as []r53types.ResourceRecordSet
	for i := range 4 {
		as = append(as, r53types.ResourceRecordSet{Name: aws.String("h" + string(rune('a'+i)) + ".example.com"), Type: r53types.RRTypeA, TTL: aws.Int64(60),
			ResourceRecords: []r53types.ResourceRecord{{Value: aws.String("10.0.0.1")}}})
	}
	changes := []r53types.Change{{Action: r53types.ChangeActionCreate, ResourceRecordSet: &alias}, {Action: r53types.ChangeActionCreate, ResourceRecordSet: &txt}}
	for i := range as {
		changes = append(changes, r53types.Change{Action: r53types.ChangeActionUpsert, ResourceRecordSet: &as[i]})
	}
	ch, err := c.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: &id, ChangeBatch: &r53types.ChangeBatch{Changes: changes}})
	if err != nil {
		t.Fatal(err)
	}
	if ch.ChangeInfo.Status != r53types.ChangeStatusPending || !strings.HasPrefix(aws.ToString(ch.ChangeInfo.Id), "/change/C") {
		t.Fatalf("change = %+v", ch.ChangeInfo)
	}
	if err := w.Wait(ctx, &route53.GetChangeInput{Id: ch.ChangeInfo.Id}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	gc, err := c.GetChange(ctx, &route53.GetChangeInput{Id: ch.ChangeInfo.Id})
	if err != nil || gc.ChangeInfo.Status != r53types.ChangeStatusInsync {
		t.Fatalf("GetChange = %+v, %v", gc, err)
	}
	// The batch is atomic: one bad change and nothing happens.
	_, err = c.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: &id, ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{
		{Action: r53types.ChangeActionCreate, ResourceRecordSet: &r53types.ResourceRecordSet{Name: aws.String("new.example.com"), Type: r53types.RRTypeA,
			TTL: aws.Int64(60), ResourceRecords: []r53types.ResourceRecord{{Value: aws.String("10.0.0.9")}}}},
		{Action: r53types.ChangeActionCreate, ResourceRecordSet: &txt}}}})
	var icb *r53types.InvalidChangeBatch
	if code(err) != "InvalidChangeBatch" || !asErr(err, &icb) || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("duplicate record: %v", err)
	}
	_, err = c.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: &id, ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{
		{Action: r53types.ChangeActionCreate, ResourceRecordSet: &r53types.ResourceRecordSet{Name: aws.String("bad.example.com"), Type: r53types.RRTypeA, TTL: aws.Int64(60),
			ResourceRecords: []r53types.ResourceRecord{{Value: aws.String("not-an-ip")}}}}}}})
	if code(err) != "InvalidChangeBatch" {
		t.Errorf("bad A value: %v", err)
	}
	var sets []r53types.ResourceRecordSet
	pages := route53.NewListResourceRecordSetsPaginator(c, &route53.ListResourceRecordSetsInput{HostedZoneId: &id})
	n := 0
	for pages.HasMorePages() {
		p, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n++
		sets = append(sets, p.ResourceRecordSets...)
	}
	if len(sets) != 8 || n != 4 {
		t.Fatalf("%d record sets in %d pages; want 8 (SOA, NS, TXT, 4 A, alias) in 4", len(sets), n)
	}
	var foundAlias bool
	for _, rs := range sets {
		if aws.ToString(rs.Name) == "www.example.com." {
			foundAlias = rs.AliasTarget != nil && rs.AliasTarget.EvaluateTargetHealth && rs.TTL == nil
		}
	}
	if !foundAlias {
		t.Errorf("alias record missing or wrong: %+v", sets)
	}
	one, err := c.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: &id, StartRecordName: aws.String("www.example.com"),
		StartRecordType: r53types.RRTypeA, MaxItems: aws.Int32(1)})
	if err != nil || len(one.ResourceRecordSets) != 1 || aws.ToString(one.ResourceRecordSets[0].Name) != "www.example.com." {
		t.Fatalf("ListResourceRecordSets from www = %+v, %v", one, err)
	}
	_, err = c.DeleteHostedZone(ctx, &route53.DeleteHostedZoneInput{Id: &id})
	if code(err) != "HostedZoneNotEmpty" {
		t.Errorf("delete a zone with records: %v", err)
	}
	var del []r53types.Change
	for _, rs := range sets {
		if rs.Type == r53types.RRTypeSoa || rs.Type == r53types.RRTypeNs {
			continue
		}
		rs := rs
		del = append(del, r53types.Change{Action: r53types.ChangeActionDelete, ResourceRecordSet: &rs})
	}
	if _, err := c.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: &id, ChangeBatch: &r53types.ChangeBatch{Changes: del}}); err != nil {
		t.Fatal(err)
	}
	dz, err := c.DeleteHostedZone(ctx, &route53.DeleteHostedZoneInput{Id: &id})
	if err != nil || dz.ChangeInfo == nil {
		t.Fatalf("DeleteHostedZone = %+v, %v", dz, err)
	}
	_, err = c.GetHostedZone(ctx, &route53.GetHostedZoneInput{Id: &id})
	if code(err) != "NoSuchHostedZone" {
		t.Errorf("deleted zone: %v", err)
	}
}

func TestRoute53ListHostedZonesPages(t *testing.T) {
	t.Parallel()
	_, cfg := start(t, Options{})
	c, ctx := route53.NewFromConfig(cfg), ctxT(t)
	for _, n := range []string{"a.com", "b.com", "c.com", "d.com", "e.com"} {
		if _, err := c.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String(n), CallerReference: aws.String(n)}); err != nil {
			t.Fatal(err)
		}
	}
	pages := route53.NewListHostedZonesPaginator(c, &route53.ListHostedZonesInput{})
	var names []string
	for pages.HasMorePages() {
		p, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, z := range p.HostedZones {
			names = append(names, aws.ToString(z.Name))
		}
	}
	if strings.Join(names, " ") != "a.com. b.com. c.com. d.com. e.com." {
		t.Errorf("zones = %v", names)
	}
}

// asErr is errors.As without importing errors in every test.
func asErr[T any](err error, target *T) bool {
	for e := err; e != nil; {
		if v, ok := e.(T); ok {
			*target = v
			return true
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		e = u.Unwrap()
	}
	return false
}
