package sim

import (
	"time"
)

// collection describes one kind of Compute Engine object: where it lives, its kind strings, and what the
// simulator does on insert and on its custom methods.
type collection struct {
	// segment is the collection's name in URLs ("instances").
	segment string
	// scope is "global", "regions" or "zones".
	scope string
	// kind and listKind are the objects' and the lists' kind ("compute#instance", "compute#instanceList").
	kind, listKind string
	// labels says the objects carry labels and a labelFingerprint.
	labels bool
	// fingerprinted says the objects carry a fingerprint that patch and update may name and must match.
	fingerprinted bool
	// readOnly collections (the image catalogue) refuse inserts.
	readOnly bool
	// prepare fills in what the service sets on insert (IDs of sub-objects, defaults, addresses, status).
	prepare func(s *Server, o *object, sc scope, now time.Time) *apiError
	// verbs are the custom methods (POST .../{name}/{verb}); they change o and return the operation type.
	verbs map[string]verbFunc
	// mutable lists the fields patch and update may change ("" entries: any field).
	mutable []string
}

// verbFunc applies a custom method to an object; body is the decoded request body.
type verbFunc func(s *Server, o *object, sc scope, body map[string]any, now time.Time) *apiError

// collections are the collections of the simulated Compute Engine API, by "<scope>/<segment>".
var collections map[string]*collection

// collFor returns the collection at segment in a scope kind.
func collFor(scopeKind, segment string) *collection {
	if c, ok := collections[scopeKind+"/"+segment]; ok {
		return c
	}
	return nil
}

func init() {
	list := []*collection{
		{segment: "networks", scope: "global", kind: "compute#network", listKind: "compute#networkList", prepare: prepareNetwork,
			mutable: []string{"routingConfig", "mtu"}},
		{segment: "subnetworks", scope: "regions", kind: "compute#subnetwork", listKind: "compute#subnetworkList", fingerprinted: true,
			prepare: prepareSubnetwork, mutable: []string{"description", "privateIpGoogleAccess", "logConfig"}},
		{segment: "firewalls", scope: "global", kind: "compute#firewall", listKind: "compute#firewallList", prepare: prepareFirewall,
			mutable: []string{""}},
		{segment: "addresses", scope: "regions", kind: "compute#address", listKind: "compute#addressList", labels: true, prepare: prepareAddress,
			verbs: map[string]verbFunc{"setLabels": setLabels}},
		{segment: "addresses", scope: "global", kind: "compute#address", listKind: "compute#addressList", labels: true, prepare: prepareAddress,
			verbs: map[string]verbFunc{"setLabels": setLabels}},
		{segment: "instances", scope: "zones", kind: "compute#instance", listKind: "compute#instanceList", labels: true, prepare: prepareInstance,
			verbs: instanceVerbs},
		{segment: "disks", scope: "zones", kind: "compute#disk", listKind: "compute#diskList", labels: true, readOnly: true},
		{segment: "healthChecks", scope: "global", kind: "compute#healthCheck", listKind: "compute#healthCheckList", prepare: prepareHealthCheck,
			mutable: []string{""}},
		{segment: "httpHealthChecks", scope: "global", kind: "compute#httpHealthCheck", listKind: "compute#httpHealthCheckList",
			prepare: prepareHTTPHealthCheck, mutable: []string{""}},
		{segment: "targetPools", scope: "regions", kind: "compute#targetPool", listKind: "compute#targetPoolList", prepare: prepareTargetPool,
			verbs: targetPoolVerbs},
		{segment: "forwardingRules", scope: "regions", kind: "compute#forwardingRule", listKind: "compute#forwardingRuleList", labels: true,
			fingerprinted: true, prepare: prepareForwardingRule, verbs: forwardingRuleVerbs},
		{segment: "forwardingRules", scope: "global", kind: "compute#forwardingRule", listKind: "compute#forwardingRuleList", labels: true,
			fingerprinted: true, prepare: prepareForwardingRule, verbs: forwardingRuleVerbs},
		{segment: "instanceGroups", scope: "zones", kind: "compute#instanceGroup", listKind: "compute#instanceGroupList", fingerprinted: true,
			prepare: prepareInstanceGroup, verbs: instanceGroupVerbs},
		{segment: "backendServices", scope: "global", kind: "compute#backendService", listKind: "compute#backendServiceList",
			fingerprinted: true, prepare: prepareBackendService, mutable: []string{""}},
		{segment: "urlMaps", scope: "global", kind: "compute#urlMap", listKind: "compute#urlMapList", fingerprinted: true,
			prepare: prepareURLMap, mutable: []string{""}},
		{segment: "targetHttpProxies", scope: "global", kind: "compute#targetHttpProxy", listKind: "compute#targetHttpProxyList",
			fingerprinted: true, prepare: prepareTargetHTTPProxy, verbs: targetHTTPProxyVerbs},
		{segment: "images", scope: "global", kind: "compute#image", listKind: "compute#imageList", readOnly: true},
	}
	collections = map[string]*collection{}
	for _, c := range list {
		collections[c.scope+"/"+c.segment] = c
	}
}
