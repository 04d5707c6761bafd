package gcp

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"google.golang.org/api/dns/v1"

	"github.com/infrago/infra/sdk/provider"
)

const managedZoneDoc = "A Cloud DNS managed zone, labelled infra-token and infra-urn. description and labels change in " +
	"place (patch); any other change replaces it. A zone that still holds record sets besides its own SOA and NS is not " +
	"deleted unless forceDestroy is set. Import it by its path, projects/P/managedZones/NAME."

// ManagedZoneArgs are the inputs of gcp:dns:ManagedZone.
type ManagedZoneArgs struct {
	Name         *string           `infra:"name,replace" doc:"The zone's name (not its domain). Unset: derived from the resource's name with a random suffix."`
	Project      *string           `infra:"project,replace" doc:"The project. Unset: the provider's project."`
	DNSName      string            `infra:"dnsName,replace" doc:"The zone's domain, such as example.com. (the trailing dot is added when missing)."`
	Description  string            `infra:"description" default:"Managed by infra" doc:"A description of the zone. A change updates it in place."`
	Visibility   string            `infra:"visibility,replace" default:"public" doc:"public or private."`
	Labels       map[string]string `infra:"labels" doc:"The labels of the zone; the provider's default labels are added. A change updates them in place."`
	ForceDestroy bool              `infra:"forceDestroy" default:"false" doc:"Whether deleting the zone first deletes the record sets it still holds."`
}

// ManagedZoneState are the outputs of gcp:dns:ManagedZone.
type ManagedZoneState struct {
	ManagedZoneArgs
	NameServers     []string          `infra:"nameServers" doc:"The name servers to delegate the domain to."`
	ZoneID          string            `infra:"zoneId" doc:"The zone's numeric ID."`
	EffectiveLabels map[string]string `infra:"effectiveLabels" doc:"The labels of the zone: its own and the provider's default labels together."`
}

type managedZoneResource struct{ p *gcpProvider }

func fqdn(s string) string {
	if s == "" || strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}

// Check names the zone and normalizes its domain.
func (r *managedZoneResource) Check(_ context.Context, req provider.CheckRequest[ManagedZoneArgs]) (ManagedZoneArgs, []provider.CheckFailure, error) {
	in := req.Inputs
	in.DNSName = fqdn(strings.ToLower(in.DNSName))
	if err := checkAutoName(req.URN, &req.OldInputs, &in, func(a *ManagedZoneArgs) **string { return &a.Name }); err != nil {
		return in, nil, err
	}
	var fs []provider.CheckFailure
	if m := checkName("name", *in.Name); m != nil {
		fs = append(fs, provider.CheckFailure{Property: "name", Reason: *m})
	}
	if in.DNSName == "" || strings.Count(in.DNSName, ".") < 2 {
		fs = append(fs, provider.CheckFailure{Property: "dnsName", Reason: fmt.Sprintf("dnsName %q is not a domain such as example.com", req.Inputs.DNSName)})
	}
	if in.Visibility != "public" && in.Visibility != "private" {
		fs = append(fs, provider.CheckFailure{Property: "visibility", Reason: fmt.Sprintf("visibility %q is not public or private", in.Visibility)})
	}
	fs = append(fs, checkLabelMap("labels", in.Labels)...)
	return in, fs, nil
}

// Diff treats an unset project as unchanged.
func (r *managedZoneResource) Diff(_ context.Context, req provider.DiffRequest[ManagedZoneArgs, ManagedZoneState]) (provider.DiffResponse, error) {
	return provider.DiffStructs(req.OldInputs, req.Inputs, "project")
}

// Create creates the zone.
func (r *managedZoneResource) Create(ctx context.Context, req provider.CreateRequest[ManagedZoneArgs]) (provider.CreateResponse[ManagedZoneState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.CreateResponse[ManagedZoneState]{}, err
	}
	in := req.Inputs
	project, err := c.needProject(in.Project)
	if err != nil {
		return provider.CreateResponse[ManagedZoneState]{}, err
	}
	_, err = c.dns.ManagedZones.Create(project, &dns.ManagedZone{Name: *in.Name, DnsName: in.DNSName, Description: in.Description,
		Visibility: in.Visibility, Labels: c.createLabels(req.URN, req.IdempotencyToken, in.Labels)}).Context(ctx).Do()
	id := "projects/" + project + "/managedZones/" + *in.Name
	if err != nil && !(isReason(err, "alreadyExists") && r.madeBy(ctx, c, project, *in.Name, req.IdempotencyToken)) {
		return provider.CreateResponse[ManagedZoneState]{}, fmt.Errorf("create managed zone %s: %w", *in.Name, err)
	}
	resp, err := r.read(ctx, c, id, &in, true)
	if err != nil || resp.ID == "" {
		return provider.CreateResponse[ManagedZoneState]{ID: id, Outputs: ManagedZoneState{ManagedZoneArgs: in}}, notVisible(id, err)
	}
	return provider.CreateResponse[ManagedZoneState]{ID: id, Outputs: resp.Outputs}, nil
}

// madeBy reports whether a zone that exists already carries token: a retried create whose first answer was lost.
func (r *managedZoneResource) madeBy(ctx context.Context, c *clients, project, name, token string) bool {
	z, err := c.dns.ManagedZones.Get(project, name).Context(ctx).Do()
	return err == nil && z.Labels[labelToken] == token
}

func parseZoneID(id string) (string, string, error) {
	parts := strings.Split(id, "/")
	if len(parts) != 4 || parts[0] != "projects" || parts[2] != "managedZones" || parts[1] == "" || parts[3] == "" {
		return "", "", fmt.Errorf("ID %q is not of the form projects/P/managedZones/NAME", id)
	}
	return parts[1], parts[3], nil
}

func (r *managedZoneResource) read(ctx context.Context, c *clients, id string, old *ManagedZoneArgs, wait bool) (provider.ReadResponse[ManagedZoneArgs, ManagedZoneState], error) {
	project, name, err := parseZoneID(id)
	if err != nil {
		return provider.ReadResponse[ManagedZoneArgs, ManagedZoneState]{}, err
	}
	z, err := getRetrying(ctx, c, func() (*dns.ManagedZone, error) { return c.dns.ManagedZones.Get(project, name).Context(ctx).Do() }, !wait)
	if err != nil || z == nil {
		return provider.ReadResponse[ManagedZoneArgs, ManagedZoneState]{}, wrapRead(id, err)
	}
	in := ManagedZoneArgs{Name: &z.Name, Project: &project, DNSName: z.DnsName, Description: z.Description, Visibility: z.Visibility}
	var oldLabels map[string]string
	if old != nil {
		oldLabels = old.Labels
		in.Project, in.ForceDestroy = keepIfSet(old.Project, in.Project), old.ForceDestroy
	}
	in.Labels = c.userLabels(z.Labels, oldLabels)
	st := ManagedZoneState{ManagedZoneArgs: in, NameServers: z.NameServers, ZoneID: fmt.Sprint(z.Id), EffectiveLabels: visibleLabels(z.Labels)}
	return provider.ReadResponse[ManagedZoneArgs, ManagedZoneState]{ID: id, Inputs: in, Outputs: st}, nil
}

// Read reads the zone for refresh and import.
func (r *managedZoneResource) Read(ctx context.Context, req provider.ReadRequest[ManagedZoneArgs, ManagedZoneState]) (provider.ReadResponse[ManagedZoneArgs, ManagedZoneState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.ReadResponse[ManagedZoneArgs, ManagedZoneState]{}, err
	}
	return r.read(ctx, c, req.ID, oldOf(req.Import, &req.Inputs), false)
}

// Lookup finds the zone a cut-off create made by the infra-token label it was created with.
func (r *managedZoneResource) Lookup(ctx context.Context, req provider.LookupRequest[ManagedZoneArgs]) (provider.ReadResponse[ManagedZoneArgs, ManagedZoneState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.ReadResponse[ManagedZoneArgs, ManagedZoneState]{}, err
	}
	var found string
	err = c.dns.ManagedZones.List(c.project).Pages(ctx, func(page *dns.ManagedZonesListResponse) error {
		for _, z := range page.ManagedZones {
			if z.Labels[labelToken] == req.IdempotencyToken && found == "" {
				found = "projects/" + c.project + "/managedZones/" + z.Name
			}
		}
		return nil
	})
	if err != nil {
		return provider.ReadResponse[ManagedZoneArgs, ManagedZoneState]{}, fmt.Errorf("look for the zone of %s: %w", req.URN, err)
	}
	if found == "" {
		return provider.ReadResponse[ManagedZoneArgs, ManagedZoneState]{}, nil
	}
	logFound(c.log, found, req.URN)
	return r.read(ctx, c, found, nil, false)
}

// Update patches the description and labels.
func (r *managedZoneResource) Update(ctx context.Context, req provider.UpdateRequest[ManagedZoneArgs, ManagedZoneState]) (provider.UpdateResponse[ManagedZoneState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.UpdateResponse[ManagedZoneState]{}, err
	}
	project, name, err := parseZoneID(req.ID)
	if err != nil {
		return provider.UpdateResponse[ManagedZoneState]{}, err
	}
	z, err := c.dns.ManagedZones.Get(project, name).Context(ctx).Do()
	if err != nil {
		return provider.UpdateResponse[ManagedZoneState]{}, fmt.Errorf("read %s: %w", req.ID, err)
	}
	patch := &dns.ManagedZone{Description: req.Inputs.Description, Labels: withInternal(z.Labels, c.desiredLabels(req.Inputs.Labels)),
		ForceSendFields: []string{"Description", "Labels"}}
	if _, err := c.dns.ManagedZones.Patch(project, name, patch).Context(ctx).Do(); err != nil {
		return provider.UpdateResponse[ManagedZoneState]{}, fmt.Errorf("patch %s: %w", req.ID, err)
	}
	resp, err := r.read(ctx, c, req.ID, &req.Inputs, true)
	if err != nil || resp.ID == "" {
		return provider.UpdateResponse[ManagedZoneState]{}, notVisible(req.ID, err)
	}
	return provider.UpdateResponse[ManagedZoneState]{Outputs: resp.Outputs}, nil
}

// Delete deletes the zone, and with forceDestroy the record sets it still holds first.
func (r *managedZoneResource) Delete(ctx context.Context, req provider.DeleteRequest[ManagedZoneArgs, ManagedZoneState]) error {
	c, err := r.p.clients()
	if err != nil {
		return err
	}
	project, name, err := parseZoneID(req.ID)
	if err != nil {
		return err
	}
	if req.Inputs.ForceDestroy {
		var dels []*dns.ResourceRecordSet
		err := c.dns.ResourceRecordSets.List(project, name).Pages(ctx, func(p *dns.ResourceRecordSetsListResponse) error {
			for _, rr := range p.Rrsets {
				if !(rr.Name == req.Inputs.DNSName && (rr.Type == "SOA" || rr.Type == "NS")) {
					dels = append(dels, rr)
				}
			}
			return nil
		})
		if err != nil && !isNotFound(err) {
			return fmt.Errorf("list the record sets of %s: %w", req.ID, err)
		}
		if len(dels) > 0 {
			if err := c.change(ctx, project, name, &dns.Change{Deletions: dels}); err != nil {
				return err
			}
		}
	}
	err = c.dns.ManagedZones.Delete(project, name).Context(ctx).Do()
	if isNotFound(err) {
		return nil
	}
	if isReason(err, "containerNotEmpty") {
		return fmt.Errorf("delete %s: the zone still holds record sets; delete them, or set forceDestroy: %w", req.ID, err)
	}
	if err != nil {
		return fmt.Errorf("delete %s: %w", req.ID, err)
	}
	return nil
}

// change submits a Cloud DNS change and polls it until it is done.
func (c *clients) change(ctx context.Context, project, zone string, ch *dns.Change) error {
	out, err := c.dns.Changes.Create(project, zone, ch).Context(ctx).Do()
	if err != nil {
		return fmt.Errorf("change the record sets of zone %s: %w", zone, err)
	}
	delay := c.poll
	for out.Status != "done" {
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return waitErr("change "+out.Id+" of zone "+zone, ctx.Err())
		case <-t.C:
		}
		if out, err = c.dns.Changes.Get(project, zone, out.Id).Context(ctx).Do(); err != nil {
			return waitErr("change of zone "+zone, err)
		}
		delay = min(delay*3/2, 10*c.poll)
	}
	return nil
}

const recordSetDoc = "A record set of a Cloud DNS managed zone (A, AAAA, CNAME, TXT or MX). ttl and rrdatas change in place " +
	"with one change that deletes the old set and adds the new; any other change replaces it. Changes are polled until " +
	"done. Import it by projects/P/managedZones/ZONE/rrsets/NAME/TYPE."

// RecordSetArgs are the inputs of gcp:dns:RecordSet.
type RecordSetArgs struct {
	ManagedZone string   `infra:"managedZone,replace" doc:"The zone, by path (a gcp:dns:ManagedZone's ID)."`
	Name        string   `infra:"name,replace" doc:"The record's full name, inside the zone's domain, such as www.example.com. (the trailing dot is added when missing)."`
	Type        string   `infra:"type,replace" doc:"A, AAAA, CNAME, TXT or MX."`
	TTL         int      `infra:"ttl" default:"300" doc:"The time to live in seconds."`
	Rrdatas     []string `infra:"rrdatas" doc:"The values: addresses for A and AAAA, one name for CNAME, quoted strings for TXT, '<preference> <host>.' for MX."`
}

// RecordSetState are the outputs of gcp:dns:RecordSet.
type RecordSetState struct {
	RecordSetArgs
}

type recordSetResource struct{ p *gcpProvider }

// Check normalizes the name and validates the values.
func (r *recordSetResource) Check(_ context.Context, req provider.CheckRequest[RecordSetArgs]) (RecordSetArgs, []provider.CheckFailure, error) {
	in := req.Inputs
	in.Name = fqdn(strings.ToLower(in.Name))
	var fs []provider.CheckFailure
	fail := func(p, format string, args ...any) {
		fs = append(fs, provider.CheckFailure{Property: p, Reason: fmt.Sprintf(format, args...)})
	}
	if _, _, err := parseZoneID(in.ManagedZone); err != nil {
		fail("managedZone", "managedZone: %v", err)
	}
	if !contains([]string{"A", "AAAA", "CNAME", "TXT", "MX"}, in.Type) {
		fail("type", "type %q is not A, AAAA, CNAME, TXT or MX", in.Type)
	}
	if len(in.Rrdatas) == 0 {
		fail("rrdatas", "rrdatas is empty; give the record's values")
	}
	for _, v := range in.Rrdatas {
		ip := net.ParseIP(v)
		switch {
		case in.Type == "A" && (ip == nil || ip.To4() == nil):
			fail("rrdatas", "%q is not an IPv4 address (type A)", v)
		case in.Type == "AAAA" && (ip == nil || ip.To4() != nil):
			fail("rrdatas", "%q is not an IPv6 address (type AAAA)", v)
		case in.Type == "CNAME" && len(in.Rrdatas) > 1:
			fail("rrdatas", "a CNAME holds one name, not %d", len(in.Rrdatas))
		}
	}
	if in.Type == "CNAME" && len(in.Rrdatas) == 1 {
		in.Rrdatas = []string{fqdn(in.Rrdatas[0])}
	}
	if in.TTL < 0 {
		fail("ttl", "ttl %d is negative", in.TTL)
	}
	return in, fs, nil
}

func recordID(zone, name, typ string) string { return zone + "/rrsets/" + name + "/" + typ }

func parseRecordID(id string) (string, string, string, error) {
	zone, rest, ok := strings.Cut(id, "/rrsets/")
	name, typ, ok2 := strings.Cut(rest, "/")
	if _, _, err := parseZoneID(zone); err != nil || !ok || !ok2 || name == "" || typ == "" || strings.Contains(typ, "/") {
		return "", "", "", fmt.Errorf("ID %q is not of the form projects/P/managedZones/ZONE/rrsets/NAME/TYPE", id)
	}
	return zone, name, typ, nil
}

func (in RecordSetArgs) rrset() *dns.ResourceRecordSet {
	return &dns.ResourceRecordSet{Name: in.Name, Type: in.Type, Ttl: int64(in.TTL), Rrdatas: in.Rrdatas}
}

// Create adds the record set.
func (r *recordSetResource) Create(ctx context.Context, req provider.CreateRequest[RecordSetArgs]) (provider.CreateResponse[RecordSetState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.CreateResponse[RecordSetState]{}, err
	}
	in := req.Inputs
	project, zone, err := parseZoneID(in.ManagedZone)
	if err != nil {
		return provider.CreateResponse[RecordSetState]{}, err
	}
	if err := c.change(ctx, project, zone, &dns.Change{Additions: []*dns.ResourceRecordSet{in.rrset()}}); err != nil {
		return provider.CreateResponse[RecordSetState]{}, err
	}
	return provider.CreateResponse[RecordSetState]{ID: recordID(in.ManagedZone, in.Name, in.Type), Outputs: RecordSetState{in}}, nil
}

func (r *recordSetResource) get(ctx context.Context, c *clients, id string) (*dns.ResourceRecordSet, string, error) {
	zoneID, name, typ, err := parseRecordID(id)
	if err != nil {
		return nil, "", err
	}
	project, zone, _ := parseZoneID(zoneID)
	rr, err := c.dns.ResourceRecordSets.Get(project, zone, name, typ).Context(ctx).Do()
	if isNotFound(err) {
		return nil, zoneID, nil
	}
	return rr, zoneID, err
}

// Read reads the record set for refresh and import.
func (r *recordSetResource) Read(ctx context.Context, req provider.ReadRequest[RecordSetArgs, RecordSetState]) (provider.ReadResponse[RecordSetArgs, RecordSetState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.ReadResponse[RecordSetArgs, RecordSetState]{}, err
	}
	rr, zone, err := r.get(ctx, c, req.ID)
	if err != nil || rr == nil {
		return provider.ReadResponse[RecordSetArgs, RecordSetState]{}, wrapRead(req.ID, err)
	}
	in := RecordSetArgs{ManagedZone: zone, Name: rr.Name, Type: rr.Type, TTL: int(rr.Ttl), Rrdatas: rr.Rrdatas}
	if !req.Import {
		in.ManagedZone = req.Inputs.ManagedZone
		in.Rrdatas = sameOrder(rr.Rrdatas, req.Inputs.Rrdatas)
	}
	return provider.ReadResponse[RecordSetArgs, RecordSetState]{ID: req.ID, Inputs: in, Outputs: RecordSetState{in}}, nil
}

// Lookup finds nothing: a second create of the same record set fails instead of duplicating it.
func (r *recordSetResource) Lookup(context.Context, provider.LookupRequest[RecordSetArgs]) (provider.ReadResponse[RecordSetArgs, RecordSetState], error) {
	return provider.ReadResponse[RecordSetArgs, RecordSetState]{}, nil
}

// Diff treats the values as a set.
func (r *recordSetResource) Diff(_ context.Context, req provider.DiffRequest[RecordSetArgs, RecordSetState]) (provider.DiffResponse, error) {
	news := req.Inputs
	if sameSet(news.Rrdatas, req.OldInputs.Rrdatas) {
		news.Rrdatas = req.OldInputs.Rrdatas
	}
	return provider.DiffStructs(req.OldInputs, news)
}

// Update replaces the live set with the new one in one change.
func (r *recordSetResource) Update(ctx context.Context, req provider.UpdateRequest[RecordSetArgs, RecordSetState]) (provider.UpdateResponse[RecordSetState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.UpdateResponse[RecordSetState]{}, err
	}
	rr, zoneID, err := r.get(ctx, c, req.ID)
	if err != nil {
		return provider.UpdateResponse[RecordSetState]{}, err
	}
	project, zone, _ := parseZoneID(zoneID)
	ch := &dns.Change{Additions: []*dns.ResourceRecordSet{req.Inputs.rrset()}}
	if rr != nil {
		ch.Deletions = []*dns.ResourceRecordSet{{Name: rr.Name, Type: rr.Type, Ttl: rr.Ttl, Rrdatas: slices.Clone(rr.Rrdatas)}}
	}
	if err := c.change(ctx, project, zone, ch); err != nil {
		return provider.UpdateResponse[RecordSetState]{}, err
	}
	return provider.UpdateResponse[RecordSetState]{Outputs: RecordSetState{req.Inputs}}, nil
}

// Delete deletes the record set as it is now (one gone already is fine).
func (r *recordSetResource) Delete(ctx context.Context, req provider.DeleteRequest[RecordSetArgs, RecordSetState]) error {
	c, err := r.p.clients()
	if err != nil {
		return err
	}
	rr, zoneID, err := r.get(ctx, c, req.ID)
	if err != nil || rr == nil {
		return err
	}
	project, zone, _ := parseZoneID(zoneID)
	err = c.change(ctx, project, zone, &dns.Change{Deletions: []*dns.ResourceRecordSet{{Name: rr.Name, Type: rr.Type, Ttl: rr.Ttl, Rrdatas: rr.Rrdatas}}})
	if isNotFound(err) {
		return nil
	}
	return err
}
