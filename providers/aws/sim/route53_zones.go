package sim

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

var domainPattern = regexp.MustCompile(`^([a-z0-9_*]([a-z0-9_-]{0,61}[a-z0-9_])?\.)+$`)

func zoneIDPath(id string) string { return "/hostedzone/" + id }

func noSuchZone(id string) *apiError {
	return errorf(http.StatusNotFound, "NoSuchHostedZone", "No hosted zone found with ID: %s", id)
}

func (s *Server) zoneXML(z *zone) r53HostedZone {
	return r53HostedZone{ID: zoneIDPath(z.id), Name: z.name, CallerReference: z.callerRef,
		Config: r53Config{Comment: z.comment, PrivateZone: z.private}, ResourceRecordSetCount: len(z.records)}
}

// newChange records a change that goes INSYNC after the simulator's ChangeSync delay.
func (s *Server) newChange(r *request, comment string) r53ChangeInfo {
	c := &change{id: newRoute53ID("C", 21), status: "PENDING", submitted: r.now, insyncAt: r.now.Add(s.timing.ChangeSync), comment: comment}
	s.st.changes[c.id] = c
	return changeXML(c)
}

func changeXML(c *change) r53ChangeInfo {
	return r53ChangeInfo{ID: "/change/" + c.id, Status: c.status, SubmittedAt: c.submitted.UTC().Format(r53Time), Comment: c.comment}
}

// findZone resolves the zone ID in the path (with or without the /hostedzone/ prefix).
func (s *Server) findZone(r *request, part int) (*zone, *apiError) {
	id := strings.TrimPrefix(pathPart(r, part), "hostedzone/")
	z, ok := s.st.zones[id]
	if !ok || !z.visible(r.now) {
		return nil, noSuchZone(id)
	}
	return z, nil
}

// createHostedZone implements CreateHostedZone: Name, CallerReference (a second zone with one already used is
// HostedZoneAlreadyExists), HostedZoneConfig, VPC (makes the zone private). A new zone has an SOA and an NS
// record and four name servers.
func (s *Server) createHostedZone(r *request) (any, *apiError) {
	var in r53CreateHostedZoneRequest
	if aerr := decodeXMLBody(r.body, &in); aerr != nil {
		return nil, aerr
	}
	if in.CallerReference == "" || len(in.CallerReference) > 128 {
		return nil, badRequest("InvalidInput", "CallerReference must have 1 to 128 characters")
	}
	name := normalizeName(in.Name)
	if len(name) > 1024 || !domainPattern.MatchString(name) || strings.Count(name, ".") < 1 || strings.Contains(name, "*") {
		return nil, badRequest("InvalidDomainName", "%s is not a valid domain name", in.Name)
	}
	for _, z := range s.st.zones {
		if z.callerRef == in.CallerReference {
			return nil, errorf(http.StatusConflict, "HostedZoneAlreadyExists", "A hosted zone has already been created with the specified caller reference.")
		}
	}
	z := &zone{object: s.st.newObject(r.now, r.window), id: newRoute53ID("Z", 20), name: name, callerRef: in.CallerReference,
		tags: tagMap{}, created: r.now}
	if in.HostedZoneConfig != nil {
		z.comment = in.HostedZoneConfig.Comment
		z.private = in.HostedZoneConfig.PrivateZone
	}
	if in.VPC != nil && in.VPC.VPCID != "" {
		if _, ok := s.st.vpcs[in.VPC.VPCID]; !ok {
			return nil, badRequest("InvalidVPCId", "The VPC %s does not exist", in.VPC.VPCID)
		}
		z.private, z.vpcID, z.vpcRegion = true, in.VPC.VPCID, in.VPC.VPCRegion
		if z.vpcRegion == "" {
			z.vpcRegion = s.opts.Region
		}
		for _, o := range s.st.zones {
			if o.private && o.name == name && o.vpcID == z.vpcID {
				return nil, badRequest("ConflictingDomainExists", "A private hosted zone for %s is already associated with VPC %s", name, z.vpcID)
			}
		}
	} else if z.private {
		return nil, badRequest("InvalidInput", "A private hosted zone needs a VPC")
	}
	n := len(s.st.zones)
	z.nameServers = []string{
		fmt.Sprintf("ns-%d.awsdns-%02d.com", 100+n*4, n%64), fmt.Sprintf("ns-%d.awsdns-%02d.net", 600+n*4, n%64),
		fmt.Sprintf("ns-%d.awsdns-%02d.org", 1100+n*4, n%64), fmt.Sprintf("ns-%d.awsdns-%02d.co.uk", 1600+n*4, n%64)}
	if z.private {
		z.nameServers = []string{"ns-0.awsdns-00.com.", "ns-512.awsdns-00.net."}
	}
	var ns []string
	for _, n := range z.nameServers {
		ns = append(ns, strings.TrimSuffix(n, ".")+".")
	}
	z.records = []*rrset{
		{name: name, typ: "NS", ttl: 172800, values: ns},
		{name: name, typ: "SOA", ttl: 900, values: []string{ns[0] + " awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"}},
	}
	s.st.zones[z.id] = z
	out := r53CreateHostedZoneResponse{HostedZone: s.zoneXML(z), ChangeInfo: s.newChange(r, "")}
	if z.private {
		out.VPC = &r53VPC{VPCRegion: z.vpcRegion, VPCID: z.vpcID}
	} else {
		out.DelegationSet = &r53DelegationSet{NameServers: z.nameServers}
	}
	return out, nil
}

// getHostedZone implements GetHostedZone.
func (s *Server) getHostedZone(r *request) (any, *apiError) {
	z, aerr := s.findZone(r, 1)
	if aerr != nil {
		return nil, aerr
	}
	out := r53GetHostedZoneResponse{HostedZone: s.zoneXML(z)}
	if z.private {
		out.VPCs = []r53VPC{{VPCRegion: z.vpcRegion, VPCID: z.vpcID}}
	} else {
		out.DelegationSet = &r53DelegationSet{NameServers: z.nameServers}
	}
	return out, nil
}

// deleteHostedZone implements DeleteHostedZone: a zone with records besides its apex SOA and NS is
// HostedZoneNotEmpty.
func (s *Server) deleteHostedZone(r *request) (any, *apiError) {
	z, aerr := s.findZone(r, 1)
	if aerr != nil {
		return nil, aerr
	}
	for _, rr := range z.records {
		if !(rr.name == z.name && (rr.typ == "SOA" || rr.typ == "NS")) {
			return nil, badRequest("HostedZoneNotEmpty", "The specified hosted zone contains non-required resource record sets and so cannot be deleted.")
		}
	}
	delete(s.st.zones, z.id)
	return r53ChangeInfoResponse{ChangeInfo: s.newChange(r, "")}, nil
}

// updateHostedZoneComment implements UpdateHostedZoneComment.
func (s *Server) updateHostedZoneComment(r *request) (any, *apiError) {
	z, aerr := s.findZone(r, 1)
	if aerr != nil {
		return nil, aerr
	}
	var in r53UpdateCommentRequest
	if aerr := decodeXMLBody(r.body, &in); aerr != nil {
		return nil, aerr
	}
	if len(in.Comment) > 256 {
		return nil, badRequest("InvalidInput", "The comment has at most 256 characters")
	}
	z.comment = in.Comment
	return r53UpdateCommentResponse{HostedZone: s.zoneXML(z)}, nil
}

// listHostedZones implements ListHostedZones: marker (a zone ID), maxitems (default and most 100).
func (s *Server) listHostedZones(r *request) (any, *apiError) {
	q := r.http.URL.Query()
	max := 100
	if v := q.Get("maxitems"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, badRequest("InvalidInput", "maxitems must be a positive whole number")
		}
		max = min(n, 100)
	}
	max = s.pageSize(max, 100)
	zones := bySeq(s.st.zones, func(z *zone) int { return z.seq })
	var visible []*zone
	for _, z := range zones {
		if z.visible(r.now) {
			visible = append(visible, z)
		}
	}
	// Route 53 lists zones by name, then ID; the marker is the ID of the first zone of the page.
	sort.SliceStable(visible, func(i, j int) bool {
		if visible[i].name != visible[j].name {
			return visible[i].name < visible[j].name
		}
		return visible[i].id < visible[j].id
	})
	start := 0
	marker := q.Get("marker")
	if marker != "" {
		start = -1
		for k, z := range visible {
			if z.id == marker {
				start = k
				break
			}
		}
		if start < 0 {
			return nil, badRequest("InvalidInput", "The marker %s is not a hosted zone", marker)
		}
	}
	end := min(start+max, len(visible))
	out := r53ListHostedZonesResponse{Marker: marker, MaxItems: max}
	for _, z := range visible[start:end] {
		out.HostedZones = append(out.HostedZones, s.zoneXML(z))
	}
	if end < len(visible) {
		out.IsTruncated, out.NextMarker = true, visible[end].id
	}
	return out, nil
}

// getChange implements GetChange.
func (s *Server) getChange(r *request) (any, *apiError) {
	id := strings.TrimPrefix(pathPart(r, 1), "change/")
	c, ok := s.st.changes[id]
	if !ok {
		return nil, errorf(http.StatusNotFound, "NoSuchChange", "A change with the specified change ID does not exist: %s", id)
	}
	return r53ChangeInfoResponse{ChangeInfo: changeXML(c)}, nil
}

// changeTagsForResource implements ChangeTagsForResource for hosted zones.
func (s *Server) changeTagsForResource(r *request) (any, *apiError) {
	if pathPart(r, 1) != "hostedzone" {
		return nil, badRequest("InvalidInput", "the simulator tags hosted zones only")
	}
	z, aerr := s.findZone(r, 2)
	if aerr != nil {
		return nil, aerr
	}
	var in r53ChangeTagsRequest
	if aerr := decodeXMLBody(r.body, &in); aerr != nil {
		return nil, aerr
	}
	next := z.tags.clone()
	for _, k := range in.RemoveTagKeys {
		delete(next, k)
	}
	for _, t := range in.AddTags {
		if t.Key == "" || len(t.Key) > maxTagKey || len(t.Value) > maxTagValue {
			return nil, badRequest("InvalidInput", "Tag keys must have 1 to %d characters and values at most %d", maxTagKey, maxTagValue)
		}
		next[t.Key] = t.Value
	}
	if len(next) > maxTags {
		return nil, badRequest("InvalidInput", "A resource has at most %d tags", maxTags)
	}
	z.tags = next
	return r53Empty{}, nil
}

// listTagsForResource implements ListTagsForResource for hosted zones.
func (s *Server) listTagsForResource(r *request) (any, *apiError) {
	if pathPart(r, 1) != "hostedzone" {
		return nil, badRequest("InvalidInput", "the simulator tags hosted zones only")
	}
	z, aerr := s.findZone(r, 2)
	if aerr != nil {
		return nil, aerr
	}
	out := r53ListTagsResponse{ResourceTagSet: r53TagSet{ResourceType: "hostedzone", ResourceID: z.id}}
	for _, k := range z.tags.keys() {
		out.ResourceTagSet.Tags = append(out.ResourceTagSet.Tags, r53Tag{Key: k, Value: z.tags[k]})
	}
	return out, nil
}
