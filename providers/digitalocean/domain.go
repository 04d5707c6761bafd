package digitalocean

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/digitalocean/godo"

	"github.com/infrago/infra/sdk/provider"
)

var domainPattern = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)

const domainDoc = "A domain whose DNS DigitalOcean serves (point the registrar at ns1, ns2 and ns3.digitalocean.com). " +
	"Its records are digitalocean:index:DomainRecord resources; DigitalOcean adds the SOA and NS records itself. A " +
	"new name replaces it. Import it by its name."

// DomainArgs are the inputs of digitalocean:index:Domain.
type DomainArgs struct {
	Name string `infra:"name,replace" doc:"The domain name, such as example.com. A change replaces it."`
}

// DomainState are the outputs of digitalocean:index:Domain.
type DomainState struct {
	DomainArgs
	TTL int    `infra:"ttl" doc:"The domain's default TTL in seconds."`
	URN string `infra:"urn" doc:"The domain's DigitalOcean URN (do:domain:NAME)."`
}

type domainResource struct{ p *doProvider }

// Check validates and lowercases the name.
func (r *domainResource) Check(_ context.Context, req provider.CheckRequest[DomainArgs]) (DomainArgs, []provider.CheckFailure, error) {
	in := req.Inputs
	in.Name = strings.TrimSuffix(strings.ToLower(in.Name), ".")
	var fs failures
	if !domainPattern.MatchString(in.Name) {
		fs.add("name", "name %q is not a domain name such as example.com", req.Inputs.Name)
	}
	return in, fs, nil
}

// Create adds the domain.
func (r *domainResource) Create(ctx context.Context, req provider.CreateRequest[DomainArgs]) (provider.CreateResponse[DomainState], error) {
	c, err := r.p.client()
	if err != nil {
		return provider.CreateResponse[DomainState]{}, err
	}
	d, _, err := c.godo.Domains.Create(ctx, &godo.DomainCreateRequest{Name: req.Inputs.Name})
	if err != nil {
		return provider.CreateResponse[DomainState]{}, fmt.Errorf("create domain %s: %w", req.Inputs.Name, err)
	}
	resp, err := r.read(ctx, d.Name, true)
	if err != nil || resp.ID == "" {
		return provider.CreateResponse[DomainState]{ID: d.Name, Outputs: domainState(d)}, notVisible("domain "+d.Name, err)
	}
	return provider.CreateResponse[DomainState]{ID: d.Name, Outputs: resp.Outputs}, nil
}

func domainState(d *godo.Domain) DomainState {
	return DomainState{DomainArgs: DomainArgs{Name: d.Name}, TTL: d.TTL, URN: d.URN()}
}

func (r *domainResource) read(ctx context.Context, name string, wait bool) (provider.ReadResponse[DomainArgs, DomainState], error) {
	c, err := r.p.client()
	if err != nil {
		return provider.ReadResponse[DomainArgs, DomainState]{}, err
	}
	d, found, err := getFresh(ctx, c, func() (*godo.Domain, error) {
		d, _, err := c.godo.Domains.Get(ctx, name)
		return d, err
	}, !wait)
	if !found && err == nil {
		return provider.ReadResponse[DomainArgs, DomainState]{}, nil
	}
	if err != nil {
		return provider.ReadResponse[DomainArgs, DomainState]{}, wrapRead("domain "+name, err)
	}
	st := domainState(d)
	return provider.ReadResponse[DomainArgs, DomainState]{ID: d.Name, Inputs: st.DomainArgs, Outputs: st}, nil
}

// Read reads the domain for refresh and import.
func (r *domainResource) Read(ctx context.Context, req provider.ReadRequest[DomainArgs, DomainState]) (provider.ReadResponse[DomainArgs, DomainState], error) {
	return r.read(ctx, req.ID, false)
}

// Lookup finds the domain a cut-off create added by its name, which an account holds once.
func (r *domainResource) Lookup(ctx context.Context, req provider.LookupRequest[DomainArgs]) (provider.ReadResponse[DomainArgs, DomainState], error) {
	return r.read(ctx, req.Inputs.Name, false)
}

// Delete deletes the domain and its records; one that is gone already is fine.
func (r *domainResource) Delete(ctx context.Context, req provider.DeleteRequest[DomainArgs, DomainState]) error {
	c, err := r.p.client()
	if err != nil {
		return err
	}
	if _, err := c.godo.Domains.Delete(ctx, req.ID); err != nil && !isNotFound(err) {
		return fmt.Errorf("delete domain %s: %w", req.ID, err)
	}
	return nil
}

const domainRecordDoc = "A DNS record in a digitalocean:index:Domain: A, AAAA, CNAME, TXT, MX, CAA, NS or SRV. A new name, " +
	"data, TTL, priority, port, weight, flags or CAA tag changes it in place; a new domain or type replaces it. " +
	"Import it by DOMAIN/RECORD_ID, such as example.com/12345."

// DomainRecordArgs are the inputs of digitalocean:index:DomainRecord.
type DomainRecordArgs struct {
	Domain   string  `infra:"domain,replace" doc:"The domain the record is in, such as example.com. A change replaces it."`
	Type     string  `infra:"type,replace" doc:"A, AAAA, CNAME, TXT, MX, CAA, NS or SRV. A change replaces it."`
	Name     string  `infra:"name" doc:"The name relative to the domain: @ for the domain itself, www for www.example.com."`
	Data     string  `infra:"data" doc:"The value: an address for A and AAAA, a host name for CNAME, MX, NS and SRV (@ for the domain, or a name with a trailing dot), the text for TXT, the value for CAA."`
	TTL      *int    `infra:"ttl" doc:"The TTL in seconds (at least 30). Unset: 1800."`
	Priority *int    `infra:"priority" doc:"The priority, for MX and SRV."`
	Port     *int    `infra:"port" doc:"The port, for SRV."`
	Weight   *int    `infra:"weight" doc:"The weight, for SRV."`
	Flags    *int    `infra:"flags" doc:"The flags, for CAA (0 to 255)."`
	Tag      *string `infra:"tag" doc:"The CAA tag: issue, issuewild or iodef."`
}

// DomainRecordState are the outputs of digitalocean:index:DomainRecord.
type DomainRecordState struct {
	DomainRecordArgs
	RecordID int    `infra:"recordId" doc:"The record's numeric ID."`
	FQDN     string `infra:"fqdn" doc:"The record's fully qualified name, such as www.example.com."`
}

type domainRecordResource struct{ p *doProvider }

// recordNeeds are the fields each record type needs besides its name and data.
var recordNeeds = map[string][]string{"A": nil, "AAAA": nil, "CNAME": nil, "TXT": nil, "NS": nil, "MX": {"priority"},
	"SRV": {"priority", "port", "weight"}, "CAA": {"flags", "tag"}}

// Check validates the record's type and the fields it needs.
func (r *domainRecordResource) Check(_ context.Context, req provider.CheckRequest[DomainRecordArgs]) (DomainRecordArgs, []provider.CheckFailure, error) {
	in := req.Inputs
	in.Domain = strings.TrimSuffix(strings.ToLower(in.Domain), ".")
	var fs failures
	if !domainPattern.MatchString(in.Domain) {
		fs.add("domain", "domain %q is not a domain name such as example.com", req.Inputs.Domain)
	}
	needs, known := recordNeeds[in.Type]
	if !known {
		fs.add("type", "type %q is not one of A, AAAA, CAA, CNAME, MX, NS, SRV, TXT", in.Type)
	}
	if in.Name == "" {
		fs.add("name", "name is required: @ for the domain itself, or a name such as www")
	}
	if in.Data == "" {
		fs.add("data", "data is required")
	}
	set := map[string]bool{"priority": in.Priority != nil, "port": in.Port != nil, "weight": in.Weight != nil, "flags": in.Flags != nil, "tag": in.Tag != nil}
	for _, k := range needs {
		if !set[k] {
			fs.add(k, "a %s record needs %s", in.Type, k)
		}
	}
	if in.Type == "CAA" && in.Tag != nil && !slices.Contains([]string{"issue", "issuewild", "iodef"}, *in.Tag) {
		fs.add("tag", "tag %q is not issue, issuewild or iodef", *in.Tag)
	}
	if in.TTL != nil && *in.TTL < 30 {
		fs.add("ttl", "ttl %d is below DigitalOcean's least, 30 seconds", *in.TTL)
	}
	return in, fs, nil
}

// Diff treats an unset TTL as unchanged.
func (r *domainRecordResource) Diff(_ context.Context, req provider.DiffRequest[DomainRecordArgs, DomainRecordState]) (provider.DiffResponse, error) {
	return provider.DiffStructs(req.OldInputs, req.Inputs, "ttl")
}

// recordID parses DOMAIN/RECORD_ID.
func recordID(id string) (string, int, error) {
	domain, rec, found := strings.Cut(id, "/")
	n, err := strconv.Atoi(rec)
	if !found || err != nil || n <= 0 || !domainPattern.MatchString(domain) {
		return "", 0, fmt.Errorf("domain record ID %q is not DOMAIN/RECORD_ID, such as example.com/12345", id)
	}
	return domain, n, nil
}

func recordRequest(in DomainRecordArgs) *godo.DomainRecordEditRequest {
	return &godo.DomainRecordEditRequest{Type: in.Type, Name: in.Name, Data: in.Data, TTL: deref(in.TTL), Priority: deref(in.Priority),
		Port: deref(in.Port), Weight: deref(in.Weight), Flags: deref(in.Flags), Tag: str(in.Tag)}
}

func recordState(domain string, rec *godo.DomainRecord, old *DomainRecordArgs) DomainRecordState {
	in := DomainRecordArgs{Domain: domain, Type: rec.Type, Name: rec.Name, Data: rec.Data, TTL: optInt(rec.TTL), Tag: optStr(rec.Tag)}
	for _, k := range recordNeeds[rec.Type] {
		switch k {
		case "priority":
			in.Priority = ptr(rec.Priority)
		case "port":
			in.Port = ptr(rec.Port)
		case "weight":
			in.Weight = ptr(rec.Weight)
		case "flags":
			in.Flags = ptr(rec.Flags)
		}
	}
	if old != nil && old.TTL == nil {
		in.TTL = nil
	}
	fqdn := domain
	if rec.Name != "@" {
		fqdn = rec.Name + "." + domain
	}
	return DomainRecordState{DomainRecordArgs: in, RecordID: rec.ID, FQDN: fqdn}
}

// Create adds the record.
func (r *domainRecordResource) Create(ctx context.Context, req provider.CreateRequest[DomainRecordArgs]) (provider.CreateResponse[DomainRecordState], error) {
	c, err := r.p.client()
	if err != nil {
		return provider.CreateResponse[DomainRecordState]{}, err
	}
	in := req.Inputs
	rec, _, err := c.godo.Domains.CreateRecord(ctx, in.Domain, recordRequest(in))
	if err != nil {
		return provider.CreateResponse[DomainRecordState]{}, fmt.Errorf("create the %s record %s in %s: %w", in.Type, in.Name, in.Domain, err)
	}
	return provider.CreateResponse[DomainRecordState]{ID: fmt.Sprintf("%s/%d", in.Domain, rec.ID), Outputs: recordState(in.Domain, rec, &in)}, nil
}

// Read reads the record for refresh and import.
func (r *domainRecordResource) Read(ctx context.Context, req provider.ReadRequest[DomainRecordArgs, DomainRecordState]) (provider.ReadResponse[DomainRecordArgs, DomainRecordState], error) {
	c, err := r.p.client()
	if err != nil {
		return provider.ReadResponse[DomainRecordArgs, DomainRecordState]{}, err
	}
	domain, n, err := recordID(req.ID)
	if err != nil {
		return provider.ReadResponse[DomainRecordArgs, DomainRecordState]{}, err
	}
	rec, _, err := c.godo.Domains.Record(ctx, domain, n)
	if isNotFound(err) {
		return provider.ReadResponse[DomainRecordArgs, DomainRecordState]{}, nil
	}
	if err != nil {
		return provider.ReadResponse[DomainRecordArgs, DomainRecordState]{}, wrapRead("domain record "+req.ID, err)
	}
	st := recordState(domain, rec, oldOf(req.Import, &req.Inputs))
	return provider.ReadResponse[DomainRecordArgs, DomainRecordState]{ID: req.ID, Inputs: st.DomainRecordArgs, Outputs: st}, nil
}

// Lookup finds the record a cut-off create added by its type, name and data.
func (r *domainRecordResource) Lookup(ctx context.Context, req provider.LookupRequest[DomainRecordArgs]) (provider.ReadResponse[DomainRecordArgs, DomainRecordState], error) {
	c, err := r.p.client()
	if err != nil {
		return provider.ReadResponse[DomainRecordArgs, DomainRecordState]{}, err
	}
	in := req.Inputs
	recs, err := listAll(ctx, func(opt *godo.ListOptions) ([]godo.DomainRecord, *godo.Response, error) {
		return c.godo.Domains.RecordsByTypeAndName(ctx, in.Domain, in.Type, fqdnOf(in), opt)
	})
	if isNotFound(err) {
		return provider.ReadResponse[DomainRecordArgs, DomainRecordState]{}, nil
	}
	if err != nil {
		return provider.ReadResponse[DomainRecordArgs, DomainRecordState]{}, fmt.Errorf("look for the record of %s: %w", req.URN, err)
	}
	for i := range recs {
		if recs[i].Type == in.Type && recs[i].Name == in.Name && recs[i].Data == in.Data {
			st := recordState(in.Domain, &recs[i], nil)
			return provider.ReadResponse[DomainRecordArgs, DomainRecordState]{ID: fmt.Sprintf("%s/%d", in.Domain, recs[i].ID), Inputs: st.DomainRecordArgs, Outputs: st}, nil
		}
	}
	return provider.ReadResponse[DomainRecordArgs, DomainRecordState]{}, nil
}

func fqdnOf(in DomainRecordArgs) string {
	if in.Name == "@" {
		return in.Domain
	}
	return in.Name + "." + in.Domain
}

// Update changes the record in place.
func (r *domainRecordResource) Update(ctx context.Context, req provider.UpdateRequest[DomainRecordArgs, DomainRecordState]) (provider.UpdateResponse[DomainRecordState], error) {
	c, err := r.p.client()
	if err != nil {
		return provider.UpdateResponse[DomainRecordState]{}, err
	}
	domain, n, err := recordID(req.ID)
	if err != nil {
		return provider.UpdateResponse[DomainRecordState]{}, err
	}
	// A TTL left unset is left out of the request, which keeps the TTL the record has.
	rec, _, err := c.godo.Domains.EditRecord(ctx, domain, n, recordRequest(req.Inputs))
	if err != nil {
		return provider.UpdateResponse[DomainRecordState]{}, fmt.Errorf("update domain record %s: %w", req.ID, err)
	}
	return provider.UpdateResponse[DomainRecordState]{Outputs: recordState(domain, rec, &req.Inputs)}, nil
}

// Delete deletes the record; one that is gone already is fine.
func (r *domainRecordResource) Delete(ctx context.Context, req provider.DeleteRequest[DomainRecordArgs, DomainRecordState]) error {
	c, err := r.p.client()
	if err != nil {
		return err
	}
	domain, n, err := recordID(req.ID)
	if err != nil {
		return err
	}
	if _, err := c.godo.Domains.DeleteRecord(ctx, domain, n); err != nil && !isNotFound(err) {
		return fmt.Errorf("delete domain record %s: %w", req.ID, err)
	}
	return nil
}
