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

const recordDoc = "A Route 53 record set: a name and type in a hosted zone with either values and a TTL, or an alias to " +
	"an AWS target such as a load balancer. Changing the values, TTL or alias updates it in place (UPSERT); " +
	"changing the zone, name or type replaces it. The create waits until the change is in sync. Its ID is " +
	"\"<zone ID>_<name>_<type>\", which is also what importing it takes."

// Alias is the target of an alias record.
type Alias struct {
	Name                 string `infra:"name" doc:"The DNS name of the target, such as a load balancer's dnsName."`
	ZoneID               string `infra:"zoneId" doc:"The hosted zone of the target, such as a load balancer's zoneId."`
	EvaluateTargetHealth bool   `infra:"evaluateTargetHealth,optional" doc:"Whether Route 53 answers with the target only while it is healthy."`
}

// Doc describes Alias in the schema.
func (Alias) Doc() string { return "An AWS resource an alias record answers for." }

// RecordArgs are the inputs of aws:route53:Record.
type RecordArgs struct {
	ZoneID string `infra:"zoneId,replace" doc:"The ID of the hosted zone (a Zone's zoneId). A change replaces the record."`

	Name string `infra:"name,replace" doc:"The record's full name, such as www.example.com (within the zone). A change replaces the record."`

	Type string `infra:"type,replace" doc:"The record type: A, AAAA, CNAME, TXT, MX, NS, SRV, CAA or PTR. A change replaces the record."`

	TTL *int `infra:"ttl" doc:"The time resolvers may cache the answer, in seconds. Required with records; not allowed with alias."`

	Records []string `infra:"records" doc:"The values, such as addresses for A records. TXT values are quoted for you when they are not. Exactly one of records and alias."`

	Alias *Alias `infra:"alias" doc:"An alias to an AWS target instead of values (A, AAAA or CNAME)."`

	AllowOverwrite *bool `infra:"allowOverwrite" doc:"Whether the create may take over a record of the same name and type that exists already; otherwise such a record is an error, unless it already holds exactly these values."`
}

// RecordState are the outputs of aws:route53:Record.
type RecordState struct {
	RecordArgs
	FQDN string `infra:"fqdn" doc:"The record's name as Route 53 stores it, without the final dot."`
}

type recordResource struct{ p *awsProvider }

// Check validates the combination of values, TTL and alias.
func (r *recordResource) Check(_ context.Context, req provider.CheckRequest[RecordArgs]) (RecordArgs, []provider.CheckFailure, error) {
	in := req.Inputs
	var fs []provider.CheckFailure
	fail := func(p, format string, args ...any) {
		fs = append(fs, provider.CheckFailure{Property: p, Reason: fmt.Sprintf(format, args...)})
	}
	in.Type = strings.ToUpper(in.Type)
	switch {
	case in.Alias != nil && len(in.Records) > 0:
		fail("alias", "give either records or alias, not both")
	case in.Alias == nil && len(in.Records) == 0:
		fail("records", "give the record's values in records, or an alias")
	case in.Alias != nil && in.TTL != nil:
		fail("ttl", "an alias record has no TTL: Route 53 uses the target's")
	case in.Alias == nil && in.TTL == nil:
		fail("ttl", "give a TTL in seconds, such as 300")
	}
	if in.Alias != nil && in.Type != "A" && in.Type != "AAAA" && in.Type != "CNAME" {
		fail("type", "an alias record must be of type A, AAAA or CNAME, not %s", in.Type)
	}
	if strings.TrimSuffix(in.Name, ".") == "" {
		fail("name", "give the record's full name, such as www.example.com")
	}
	return in, fs, nil
}

// Diff compares names without case or the final dot, and TXT values with or without their quotes.
func (r *recordResource) Diff(_ context.Context, req provider.DiffRequest[RecordArgs, RecordState]) (provider.DiffResponse, error) {
	old, news := req.OldInputs, req.Inputs
	if sameDomain(old.Name, news.Name) {
		news.Name = old.Name
	}
	if strings.EqualFold(old.Type, news.Type) {
		news.Type = old.Type
	}
	if sameSet(recordValues(old), recordValues(news)) {
		news.Records = old.Records
	}
	return provider.DiffStructs(old, news)
}

// fqdn is a name as Route 53 stores it: lower case with the final dot.
func fqdn(name string) string {
	return strings.ToLower(strings.TrimSuffix(name, ".")) + "."
}

func recordID(in RecordArgs) string {
	return zoneID(in.ZoneID) + "_" + strings.TrimSuffix(fqdn(in.Name), ".") + "_" + strings.ToUpper(in.Type)
}

// parseRecordID reads "<zone ID>_<name>_<type>".
func parseRecordID(id string) (zone, name, typ string, err error) {
	first := strings.Index(id, "_")
	last := strings.LastIndex(id, "_")
	if first <= 0 || last <= first+1 || last == len(id)-1 {
		return "", "", "", fmt.Errorf("record ID %q is not \"<zone ID>_<name>_<type>\", such as Z0123456789ABC_www.example.com_A", id)
	}
	return id[:first], id[first+1 : last], strings.ToUpper(id[last+1:]), nil
}

// recordValues are the values as Route 53 stores them: TXT values quoted.
func recordValues(in RecordArgs) []string {
	var out []string
	for _, v := range in.Records {
		if (in.Type == "TXT" || in.Type == "SPF") && !(len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"') {
			v = `"` + v + `"`
		}
		out = append(out, v)
	}
	return out
}

// recordSet is the record set the inputs describe.
func recordSet(in RecordArgs) *r53types.ResourceRecordSet {
	rs := &r53types.ResourceRecordSet{Name: aws.String(fqdn(in.Name)), Type: r53types.RRType(strings.ToUpper(in.Type))}
	if in.Alias != nil {
		rs.AliasTarget = &r53types.AliasTarget{DNSName: aws.String(in.Alias.Name), HostedZoneId: aws.String(in.Alias.ZoneID),
			EvaluateTargetHealth: in.Alias.EvaluateTargetHealth}
		return rs
	}
	if in.TTL != nil {
		rs.TTL = aws.Int64(int64(*in.TTL))
	}
	for _, v := range recordValues(in) {
		rs.ResourceRecords = append(rs.ResourceRecords, r53types.ResourceRecord{Value: aws.String(v)})
	}
	return rs
}

// change applies one change to a record set and waits until it is in sync.
func (c *clients) change(ctx context.Context, zone string, action r53types.ChangeAction, rs *r53types.ResourceRecordSet) error {
	var out *route53.ChangeResourceRecordSetsOutput
	err := retryOn(ctx, c.log, "ChangeResourceRecordSets", propagation, []string{"NoSuchHostedZone", "PriorRequestNotComplete"}, func() error {
		var err error
		out, err = c.r53.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(zone),
			ChangeBatch: &r53types.ChangeBatch{Comment: aws.String("managed by infra"),
				Changes: []r53types.Change{{Action: action, ResourceRecordSet: rs}}}})
		return err
	})
	if err != nil {
		return err
	}
	return c.waitChange(ctx, aws.ToString(out.ChangeInfo.Id))
}

// liveRecord returns the record set of a name and type, or nil when there is none.
func (c *clients) liveRecord(ctx context.Context, zone, name, typ string) (*r53types.ResourceRecordSet, error) {
	out, err := c.r53.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String(zone),
		StartRecordName: aws.String(fqdn(name)), StartRecordType: r53types.RRType(typ), MaxItems: aws.Int32(1)})
	if isCode(err, "NoSuchHostedZone") {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read record %s %s in zone %s: %w", name, typ, zone, err)
	}
	for _, rs := range out.ResourceRecordSets {
		n := strings.ReplaceAll(aws.ToString(rs.Name), `\052`, "*")
		if strings.EqualFold(n, fqdn(name)) && string(rs.Type) == typ {
			rs := rs
			return &rs, nil
		}
	}
	return nil, nil
}

// sameRecord reports whether a live record set holds what in describes.
func sameRecord(live *r53types.ResourceRecordSet, in RecordArgs) bool {
	want := recordSet(in)
	if (live.AliasTarget == nil) != (want.AliasTarget == nil) {
		return false
	}
	if want.AliasTarget != nil {
		return sameDomain(aws.ToString(live.AliasTarget.DNSName), aws.ToString(want.AliasTarget.DNSName)) &&
			aws.ToString(live.AliasTarget.HostedZoneId) == aws.ToString(want.AliasTarget.HostedZoneId) &&
			live.AliasTarget.EvaluateTargetHealth == want.AliasTarget.EvaluateTargetHealth
	}
	var lv, wv []string
	for _, r := range live.ResourceRecords {
		lv = append(lv, aws.ToString(r.Value))
	}
	for _, r := range want.ResourceRecords {
		wv = append(wv, aws.ToString(r.Value))
	}
	return aws.ToInt64(live.TTL) == aws.ToInt64(want.TTL) && sameSet(lv, wv)
}

// Create creates the record. A record of the same name and type that exists already is an error unless
// allowOverwrite is set, or it holds exactly the values wanted: that is what a create cut off after its change
// was accepted leaves, and taking it over loses nothing.
func (r *recordResource) Create(ctx context.Context, req provider.CreateRequest[RecordArgs]) (provider.CreateResponse[RecordState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.CreateResponse[RecordState]{}, err
	}
	in := req.Inputs
	zone := zoneID(in.ZoneID)
	action := r53types.ChangeActionCreate
	if in.AllowOverwrite != nil && *in.AllowOverwrite {
		action = r53types.ChangeActionUpsert
	}
	err = c.change(ctx, zone, action, recordSet(in))
	if isCode(err, "InvalidChangeBatch") && strings.Contains(err.Error(), "already exists") {
		live, lerr := c.liveRecord(ctx, zone, in.Name, strings.ToUpper(in.Type))
		if lerr != nil || live == nil || !sameRecord(live, in) {
			return provider.CreateResponse[RecordState]{}, fmt.Errorf("create record %s %s: a record of that name and type exists already with other values; "+
				"set allowOverwrite to take it over, or adopt it with the resource option infra.Import(%q): %w", in.Name, in.Type, recordID(in), err)
		}
		err = nil
	}
	if err != nil {
		return provider.CreateResponse[RecordState]{}, fmt.Errorf("create record %s %s in zone %s: %w", in.Name, in.Type, zone, err)
	}
	return provider.CreateResponse[RecordState]{ID: recordID(in), Outputs: RecordState{RecordArgs: in, FQDN: strings.TrimSuffix(fqdn(in.Name), ".")}}, nil
}

// fromLive recovers inputs from a live record set; values equal to old's keep old's form.
func fromLive(zone string, rs *r53types.ResourceRecordSet, old *RecordArgs) RecordArgs {
	var in RecordArgs
	if old != nil {
		in = *old
	}
	in.ZoneID = zone
	name := strings.TrimSuffix(strings.ReplaceAll(aws.ToString(rs.Name), `\052`, "*"), ".")
	if !sameDomain(name, in.Name) {
		in.Name = name
	}
	in.Type = string(rs.Type)
	if old != nil && sameRecord(rs, *old) {
		return in
	}
	in.TTL, in.Records, in.Alias = nil, nil, nil
	if a := rs.AliasTarget; a != nil {
		in.Alias = &Alias{Name: strings.TrimSuffix(aws.ToString(a.DNSName), "."), ZoneID: aws.ToString(a.HostedZoneId), EvaluateTargetHealth: a.EvaluateTargetHealth}
		return in
	}
	ttl := int(aws.ToInt64(rs.TTL))
	in.TTL = &ttl
	for _, v := range rs.ResourceRecords {
		in.Records = append(in.Records, aws.ToString(v.Value))
	}
	return in
}

// Read reads the record for refresh and import (with the record ID).
func (r *recordResource) Read(ctx context.Context, req provider.ReadRequest[RecordArgs, RecordState]) (provider.ReadResponse[RecordArgs, RecordState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.ReadResponse[RecordArgs, RecordState]{}, err
	}
	zone, name, typ, err := parseRecordID(req.ID)
	if err != nil {
		return provider.ReadResponse[RecordArgs, RecordState]{}, err
	}
	rs, err := c.liveRecord(ctx, zone, name, typ)
	if err != nil || rs == nil {
		return provider.ReadResponse[RecordArgs, RecordState]{}, err
	}
	var old *RecordArgs
	if !req.Import {
		old = &req.Inputs
	}
	in := fromLive(zone, rs, old)
	if old != nil {
		in.ZoneID = old.ZoneID
	}
	return provider.ReadResponse[RecordArgs, RecordState]{ID: req.ID, Inputs: in,
		Outputs: RecordState{RecordArgs: in, FQDN: strings.TrimSuffix(fqdn(in.Name), ".")}}, nil
}

// Lookup adopts, after a cut-off create, a record that holds exactly what the inputs ask for (when the engine
// passes them); a record cannot be made twice, so otherwise the create is simply made again, and it takes over
// such a record itself.
func (r *recordResource) Lookup(ctx context.Context, req provider.LookupRequest[RecordArgs]) (provider.ReadResponse[RecordArgs, RecordState], error) {
	in := req.Inputs
	if in.ZoneID == "" || in.Name == "" || in.Type == "" {
		return provider.ReadResponse[RecordArgs, RecordState]{}, nil
	}
	c, err := r.p.clients()
	if err != nil {
		return provider.ReadResponse[RecordArgs, RecordState]{}, err
	}
	rs, err := c.liveRecord(ctx, zoneID(in.ZoneID), in.Name, strings.ToUpper(in.Type))
	if err != nil || rs == nil || !sameRecord(rs, in) {
		return provider.ReadResponse[RecordArgs, RecordState]{}, err
	}
	return provider.ReadResponse[RecordArgs, RecordState]{ID: recordID(in), Inputs: in,
		Outputs: RecordState{RecordArgs: in, FQDN: strings.TrimSuffix(fqdn(in.Name), ".")}}, nil
}

// Update replaces the record's values, TTL or alias (UPSERT).
func (r *recordResource) Update(ctx context.Context, req provider.UpdateRequest[RecordArgs, RecordState]) (provider.UpdateResponse[RecordState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.UpdateResponse[RecordState]{}, err
	}
	in := req.Inputs
	if err := c.change(ctx, zoneID(in.ZoneID), r53types.ChangeActionUpsert, recordSet(in)); err != nil {
		return provider.UpdateResponse[RecordState]{}, fmt.Errorf("update record %s %s: %w", in.Name, in.Type, err)
	}
	return provider.UpdateResponse[RecordState]{Outputs: RecordState{RecordArgs: in, FQDN: strings.TrimSuffix(fqdn(in.Name), ".")}}, nil
}

// Delete deletes the record as it is now (Route 53 deletes only an exact match); one that is gone already is
// fine.
func (r *recordResource) Delete(ctx context.Context, req provider.DeleteRequest[RecordArgs, RecordState]) error {
	c, err := r.p.clients()
	if err != nil {
		return err
	}
	zone, name, typ, err := parseRecordID(req.ID)
	if err != nil {
		return err
	}
	rs, err := c.liveRecord(ctx, zone, name, typ)
	if err != nil || rs == nil {
		return err
	}
	err = c.change(ctx, zone, r53types.ChangeActionDelete, rs)
	if isCode(err, "NoSuchHostedZone") || isCode(err, "InvalidChangeBatch") && strings.Contains(err.Error(), "not found") {
		return nil
	}
	if err != nil {
		return fmt.Errorf("delete record %s %s in zone %s: %w", name, typ, zone, err)
	}
	return nil
}
