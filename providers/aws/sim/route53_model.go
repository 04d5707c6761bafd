package sim

import (
	"strings"
	"time"
)

type zone struct {
	object
	id, name, callerRef, comment string
	private                      bool
	vpcID, vpcRegion             string
	records                      []*rrset
	tags                         tagMap
	nameServers                  []string
	created                      time.Time
}

type aliasTarget struct {
	zoneID, dnsName string
	evaluate        bool
}

type rrset struct {
	name, typ, setID string
	ttl              int
	values           []string
	alias            *aliasTarget
}

func (r *rrset) key() string { return r.name + "|" + r.typ + "|" + r.setID }

// equal reports whether two record sets are the same, as DELETE requires.
func (r *rrset) equal(o *rrset) bool {
	if r.key() != o.key() || r.ttl != o.ttl || len(r.values) != len(o.values) {
		return false
	}
	if (r.alias == nil) != (o.alias == nil) || (r.alias != nil && *r.alias != *o.alias) {
		return false
	}
	return sameSet(r.values, o.values)
}

type change struct {
	id, status          string
	submitted, insyncAt time.Time
	comment             string
}

// normalizeName lower-cases a DNS name, turns the escape \052 into *, and adds the final dot.
func normalizeName(n string) string {
	n = strings.ToLower(strings.ReplaceAll(n, `\052`, "*"))
	if !strings.HasSuffix(n, ".") {
		n += "."
	}
	return n
}

// displayName is a name as Route 53 returns it: * escaped as \052.
func displayName(n string) string { return strings.ReplaceAll(n, "*", `\052`) }

// within reports whether name is the zone's apex or below it.
func within(name, zoneName string) bool {
	return name == zoneName || strings.HasSuffix(name, "."+zoneName)
}

// sortKey orders record sets as ListResourceRecordSets does: by name with its labels reversed
// (com.example.www), then by type.
func (r *rrset) sortKey() string {
	labels := strings.Split(strings.TrimSuffix(r.name, "."), ".")
	for i, j := 0, len(labels)-1; i < j; i, j = i+1, j-1 {
		labels[i], labels[j] = labels[j], labels[i]
	}
	return strings.Join(labels, ".") + "|" + r.typ + "|" + r.setID
}
