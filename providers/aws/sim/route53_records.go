package sim

import (
	"net/netip"
	"sort"
	"strconv"
	"strings"
)

var recordTypes = map[string]bool{"A": true, "AAAA": true, "CNAME": true, "TXT": true, "MX": true, "NS": true,
	"SOA": true, "SRV": true, "CAA": true, "PTR": true, "SPF": true, "NAPTR": true, "DS": true}

func invalidBatch(format string, args ...any) *apiError {
	return badRequest("InvalidChangeBatch", "["+format+"]", args...)
}

func recordXML(rr *rrset) r53RecordSet {
	x := r53RecordSet{Name: displayName(rr.name), Type: rr.typ, SetIdentifier: rr.setID}
	if rr.alias != nil {
		x.AliasTarget = &r53AliasTarget{HostedZoneID: rr.alias.zoneID, DNSName: rr.alias.dnsName, EvaluateTargetHealth: rr.alias.evaluate}
		return x
	}
	ttl := rr.ttl
	x.TTL = &ttl
	for _, v := range rr.values {
		x.ResourceRecords = append(x.ResourceRecords, r53ResourceRecord{Value: v})
	}
	return x
}

// fromXML validates one record set of a change batch and converts it.
func (s *Server) fromXML(z *zone, x r53RecordSet) (*rrset, *apiError) {
	rr := &rrset{name: normalizeName(x.Name), typ: x.Type, setID: x.SetIdentifier}
	if !recordTypes[rr.typ] {
		return nil, invalidBatch("Invalid type %s", x.Type)
	}
	if !domainPattern.MatchString(rr.name) {
		return nil, invalidBatch("%s is not a valid DNS name", x.Name)
	}
	if !within(rr.name, z.name) {
		return nil, invalidBatch("RRSet with DNS name %s is not permitted in zone %s", rr.name, z.name)
	}
	if x.AliasTarget != nil {
		if x.TTL != nil || len(x.ResourceRecords) > 0 {
			return nil, invalidBatch("An alias record set may not have a TTL or resource records")
		}
		if rr.typ != "A" && rr.typ != "AAAA" && rr.typ != "CNAME" {
			return nil, invalidBatch("Alias records must be of type A, AAAA or CNAME, not %s", rr.typ)
		}
		target := normalizeName(x.AliasTarget.DNSName)
		if aerr := s.checkAliasTarget(z, rr, x.AliasTarget.HostedZoneID, target); aerr != nil {
			return nil, aerr
		}
		rr.alias = &aliasTarget{zoneID: x.AliasTarget.HostedZoneID, dnsName: target, evaluate: x.AliasTarget.EvaluateTargetHealth}
		return rr, nil
	}
	if x.TTL == nil {
		return nil, invalidBatch("A resource record set without an alias target must have a TTL")
	}
	if *x.TTL < 0 || *x.TTL > 2147483647 {
		return nil, invalidBatch("TTL %d is out of range", *x.TTL)
	}
	if len(x.ResourceRecords) == 0 {
		return nil, invalidBatch("A resource record set without an alias target must have resource records")
	}
	rr.ttl = *x.TTL
	for _, v := range x.ResourceRecords {
		if aerr := checkValue(rr, v.Value); aerr != nil {
			return nil, aerr
		}
		rr.values = append(rr.values, v.Value)
	}
	if rr.typ == "CNAME" && len(rr.values) > 1 {
		return nil, invalidBatch("RRSet of type CNAME with DNS name %s must have exactly one value", rr.name)
	}
	return rr, nil
}

// checkValue validates one record value for its type, with the messages Route 53 gives.
func checkValue(rr *rrset, v string) *apiError {
	bad := func(why string) *apiError {
		return invalidBatch("Invalid Resource Record: 'FATAL problem: %s encountered with '%s''", why, v)
	}
	switch rr.typ {
	case "A":
		if a, err := netip.ParseAddr(v); err != nil || !a.Is4() {
			return bad("ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address)")
		}
	case "AAAA":
		if a, err := netip.ParseAddr(v); err != nil || !a.Is6() || a.Is4In6() {
			return bad("AAAARRDATAIllegalIPv6Address (Value is not a valid IPv6 address)")
		}
	case "TXT", "SPF":
		if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
			return bad("InvalidCharacterString (Value should be enclosed in quotation marks)")
		}
	case "CNAME":
		if !domainPattern.MatchString(normalizeName(v)) {
			return bad("DomainLabelEmpty (Domain label is empty)")
		}
	case "MX":
		pri, host, ok := strings.Cut(v, " ")
		if _, err := strconv.Atoi(pri); !ok || err != nil || host == "" {
			return bad("InvalidMXRecord (MX records are a priority and a host name)")
		}
	}
	if len(v) > 4000 {
		return bad("RRDATATooLong")
	}
	return nil
}

// checkAliasTarget validates an alias: to a load balancer the simulator holds (by its canonical zone and DNS
// name, optionally with the dualstack. prefix) or to a record in a zone it holds.
func (s *Server) checkAliasTarget(z *zone, rr *rrset, zoneID, target string) *apiError {
	if isELBZone(zoneID) {
		name := strings.TrimSuffix(strings.TrimPrefix(target, "dualstack."), ".")
		for _, lb := range s.st.lbs {
			if strings.EqualFold(lb.dns, name) {
				if lb.zoneID != zoneID {
					return invalidBatch("Tried to create an alias that targets %s, type %s in zone %s, but the alias target name does not lie within the target zone", target, rr.typ, zoneID)
				}
				return nil
			}
		}
		return invalidBatch("Tried to create an alias that targets %s, type %s in zone %s, but the alias target name does not lie within the target zone", target, rr.typ, zoneID)
	}
	tz, ok := s.st.zones[strings.TrimPrefix(zoneID, "/hostedzone/")]
	if !ok {
		return invalidBatch("Tried to create an alias that targets %s, type %s in zone %s, but the alias target hosted zone does not exist", target, rr.typ, zoneID)
	}
	for _, o := range tz.records {
		if o.name == target && o.typ == rr.typ {
			return nil
		}
	}
	if tz == z && target == rr.name {
		return invalidBatch("An alias may not target itself")
	}
	return invalidBatch("Tried to create an alias that targets %s, type %s in zone %s, but that target was not found", target, rr.typ, zoneID)
}

// changeResourceRecordSets implements ChangeResourceRecordSets: CREATE, UPSERT and DELETE, applied as one
// batch that succeeds or fails as a whole, and a change that is PENDING until the simulator syncs it.
func (s *Server) changeResourceRecordSets(r *request) (any, *apiError) {
	z, aerr := s.findZone(r, 1)
	if aerr != nil {
		return nil, aerr
	}
	var in r53ChangeBatchRequest
	if aerr := decodeXMLBody(r.body, &in); aerr != nil {
		return nil, aerr
	}
	changes := in.ChangeBatch.Changes
	if len(changes) == 0 {
		return nil, badRequest("InvalidInput", "A change batch must hold at least one change")
	}
	if len(changes) > 1000 {
		return nil, badRequest("InvalidInput", "A change batch holds at most 1000 changes")
	}
	records := append([]*rrset(nil), z.records...)
	find := func(key string) int {
		for k, o := range records {
			if o.key() == key {
				return k
			}
		}
		return -1
	}
	for _, c := range changes {
		rr, aerr := s.fromXML(z, c.ResourceRecordSet)
		if aerr != nil {
			return nil, aerr
		}
		k := find(rr.key())
		apex := rr.name == z.name && (rr.typ == "SOA" || rr.typ == "NS")
		switch c.Action {
		case "CREATE":
			if k >= 0 {
				return nil, invalidBatch("Tried to create resource record set [name='%s', type='%s'] but it already exists", displayName(rr.name), rr.typ)
			}
			if aerr := checkCNAMEConflict(records, rr, z); aerr != nil {
				return nil, aerr
			}
			records = append(records, rr)
		case "UPSERT":
			if k >= 0 {
				records[k] = rr
				break
			}
			if aerr := checkCNAMEConflict(records, rr, z); aerr != nil {
				return nil, aerr
			}
			records = append(records, rr)
		case "DELETE":
			if apex {
				return nil, invalidBatch("A HostedZone must contain at least one NS record and one SOA record at the zone apex")
			}
			if k < 0 {
				return nil, invalidBatch("Tried to delete resource record set [name='%s', type='%s'] but it was not found", displayName(rr.name), rr.typ)
			}
			if !records[k].equal(rr) {
				return nil, invalidBatch("Tried to delete resource record set [name='%s', type='%s'] but the values provided do not match the current values", displayName(rr.name), rr.typ)
			}
			records = append(records[:k], records[k+1:]...)
		default:
			return nil, badRequest("InvalidInput", "Invalid change action %q: use CREATE, UPSERT or DELETE", c.Action)
		}
	}
	z.records = records
	return r53ChangeInfoResponse{ChangeInfo: s.newChange(r, in.ChangeBatch.Comment)}, nil
}

// checkCNAMEConflict refuses a CNAME beside other records of its name, or other records beside a CNAME, and a
// CNAME at the apex.
func checkCNAMEConflict(records []*rrset, rr *rrset, z *zone) *apiError {
	if rr.typ == "CNAME" && rr.name == z.name {
		return invalidBatch("RRSet of type CNAME with DNS name %s is not permitted at apex in zone %s", rr.name, z.name)
	}
	for _, o := range records {
		if o.name != rr.name || o.typ == rr.typ {
			continue
		}
		if o.typ == "CNAME" || rr.typ == "CNAME" {
			return invalidBatch("RRSet of type %s with DNS name %s is not permitted because a conflicting RRSet of type %s with the same DNS name already exists in zone %s",
				rr.typ, rr.name, o.typ, z.name)
		}
	}
	return nil
}

// listResourceRecordSets implements ListResourceRecordSets: name and type to start from, maxitems (at most
// 300), NextRecordName and NextRecordType to continue.
func (s *Server) listResourceRecordSets(r *request) (any, *apiError) {
	z, aerr := s.findZone(r, 1)
	if aerr != nil {
		return nil, aerr
	}
	q := r.http.URL.Query()
	max := 300
	if v := q.Get("maxitems"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, badRequest("InvalidInput", "maxitems must be a positive whole number")
		}
		max = min(n, 300)
	}
	max = s.pageSize(max, 300)
	startType := q.Get("type")
	if startType != "" && q.Get("name") == "" {
		return nil, badRequest("InvalidInput", "The input is not valid: a type needs a name to start from")
	}
	sorted := append([]*rrset(nil), z.records...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].sortKey() < sorted[j].sortKey() })
	start := 0
	if name := q.Get("name"); name != "" {
		from := (&rrset{name: normalizeName(name), typ: startType}).sortKey()
		for start < len(sorted) && sorted[start].sortKey() < from {
			start++
		}
	}
	end := min(start+max, len(sorted))
	out := r53ListRecordSetsResponse{MaxItems: max}
	for _, rr := range sorted[start:end] {
		out.ResourceRecordSets = append(out.ResourceRecordSets, recordXML(rr))
	}
	if end < len(sorted) {
		out.IsTruncated = true
		out.NextRecordName, out.NextRecordType = displayName(sorted[end].name), sorted[end].typ
	}
	return out, nil
}
