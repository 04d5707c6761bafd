package sim

import (
	"strings"
	"time"

	"github.com/infrago/infra/internal/healthrecord"
)

type loadBalancer struct {
	object
	arn, name, dns, zoneID, typ, scheme, ipType, vpcID, state string
	subnets, groups                                           []string
	tags                                                      tagMap
	created, until                                            time.Time
}

// idPart is the "app/<name>/<id>" (or "net/...") tail of a load balancer ARN, which listener ARNs repeat.
func (lb *loadBalancer) idPart() string {
	_, tail, _ := strings.Cut(lb.arn, ":loadbalancer/")
	return tail
}

type healthCheck struct {
	enabled                    bool
	protocol, port, path, code string
	interval, timeout          int
	healthy, unhealthy         int
}

type target struct {
	id         string
	port       int
	registered time.Time
}

type targetGroup struct {
	object
	arn, name, protocol, protocolVersion, vpcID, targetType string
	port                                                    int
	hc                                                      healthCheck
	targets                                                 map[string]*target // by "id:port"
	tags                                                    tagMap
	// health records which targets ("id:port") were healthy when, for tests of rolling deploys.
	health healthrecord.Record[string]
}

type action struct {
	typ, targetGroupArn               string
	order                             int
	statusCode, contentType, body     string
	redirectProtocol, redirectPort    string
	redirectHost, redirectPath        string
	redirectQuery, redirectStatusCode string
}

type listener struct {
	object
	arn, lbArn, protocol, sslPolicy string
	port                            int
	actions                         []action
	certs                           []string
	tags                            tagMap
}

// canonicalZones are the hosted zone IDs of load balancer DNS names by region and type, which alias records
// must name; regions not listed get us-east-1's.
var canonicalZones = map[string][2]string{ // region -> {application, network}
	"us-east-1":    {"Z35SXDOTRQ7X7K", "Z26RNL4JYFTOTI"},
	"us-east-2":    {"Z3AADJGX6KTTL2", "ZLMOA37VPKANP"},
	"us-west-1":    {"Z368ELLRRE2KJ0", "Z24FKFUX50B4VW"},
	"us-west-2":    {"Z1H1FL5HABSF5", "Z18D5FSROUN65G"},
	"eu-west-1":    {"Z32O12XQLNTSW2", "Z2IFOLAFXWLO4F"},
	"eu-central-1": {"Z215JYRZR1TBD5", "Z3F0SRJ5LGBH90"},
}

func canonicalZone(region, typ string) string {
	z, ok := canonicalZones[region]
	if !ok {
		z = canonicalZones["us-east-1"]
	}
	if typ == "network" {
		return z[1]
	}
	return z[0]
}

// isELBZone reports whether a hosted zone ID is one of the load balancers' canonical zones.
func isELBZone(id string) bool {
	for _, z := range canonicalZones {
		if z[0] == id || z[1] == id {
			return true
		}
	}
	return false
}
