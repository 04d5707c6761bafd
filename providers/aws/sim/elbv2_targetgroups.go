package sim

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/infrago/infra/internal/healthrecord"
)

func (s *Server) tgXML(tg *targetGroup) elbTargetGroup {
	x := elbTargetGroup{TargetGroupArn: tg.arn, TargetGroupName: tg.name, Protocol: tg.protocol,
		ProtocolVersion: tg.protocolVersion, Port: tg.port, VpcID: tg.vpcID, HealthCheckProtocol: tg.hc.protocol,
		HealthCheckPort: tg.hc.port, HealthCheckEnabled: tg.hc.enabled, HealthCheckIntervalSeconds: tg.hc.interval,
		HealthCheckTimeoutSeconds: tg.hc.timeout, HealthyThresholdCount: tg.hc.healthy,
		UnhealthyThresholdCount: tg.hc.unhealthy, HealthCheckPath: tg.hc.path, TargetType: tg.targetType,
		IPAddressType: "ipv4", LoadBalancerArns: s.tgLoadBalancers(tg.arn)}
	if tg.hc.code != "" {
		x.Matcher = &elbMatcher{HTTPCode: tg.hc.code}
	}
	return x
}

// tgLoadBalancers lists the load balancers whose listeners forward to a target group.
func (s *Server) tgLoadBalancers(arn string) []string {
	seen := map[string]bool{}
	for _, l := range s.st.listeners {
		for _, a := range l.actions {
			if a.targetGroupArn == arn {
				seen[l.lbArn] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for a := range seen {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

var elbProtocols = map[string]bool{"HTTP": true, "HTTPS": true, "TCP": true, "TLS": true, "UDP": true, "TCP_UDP": true}

// applyHealthCheck reads the health check parameters of CreateTargetGroup and ModifyTargetGroup into hc.
func applyHealthCheck(p params, hc *healthCheck) *apiError {
	if v := p.get("HealthCheckProtocol"); v != "" {
		if !elbProtocols[v] || v == "UDP" || v == "TCP_UDP" || v == "TLS" {
			return validationError("Health check protocol '%s' is not valid", v)
		}
		hc.protocol = v
	}
	if v := p.get("HealthCheckPort"); v != "" {
		if n, err := strconv.Atoi(v); v != "traffic-port" && (err != nil || n < 1 || n > 65535) {
			return validationError("Health check port '%s' is not valid", v)
		}
		hc.port = v
	}
	if v := p.get("HealthCheckPath"); v != "" {
		if !strings.HasPrefix(v, "/") || len(v) > 1024 {
			return validationError("Health check path '%s' must start with / and have at most 1024 characters", v)
		}
		hc.path = v
	}
	if v := p.get("Matcher.HttpCode"); v != "" {
		hc.code = v
	}
	var err error
	if hc.enabled, err = p.boolOr("HealthCheckEnabled", hc.enabled); err != nil {
		return validationError("%v", err)
	}
	for _, f := range []struct {
		key    string
		dst    *int
		lo, hi int
	}{{"HealthCheckIntervalSeconds", &hc.interval, 5, 300}, {"HealthCheckTimeoutSeconds", &hc.timeout, 2, 120},
		{"HealthyThresholdCount", &hc.healthy, 2, 10}, {"UnhealthyThresholdCount", &hc.unhealthy, 2, 10}} {
		n, err := p.intOr(f.key, *f.dst)
		if err != nil {
			return validationError("%v", err)
		}
		if n < f.lo || n > f.hi {
			return validationError("%s must be between %d and %d", f.key, f.lo, f.hi)
		}
		*f.dst = n
	}
	if hc.timeout >= hc.interval {
		return validationError("Health check timeout (%d) must be smaller than the interval (%d)", hc.timeout, hc.interval)
	}
	return nil
}

// createTargetGroup implements CreateTargetGroup: Name, Protocol, ProtocolVersion, Port, VpcId, TargetType, the
// HealthCheck* parameters, Matcher.HttpCode, Tags.member.N. A target group that exists with the same name and
// settings is returned; different settings are DuplicateTargetGroupName.
func (s *Server) createTargetGroup(r *request) (any, *apiError) {
	p := r.p
	name := p.get("Name")
	if !elbNamePattern.MatchString(name) {
		return nil, validationError("The target group name '%s' is not valid: use 1 to 32 letters, digits and hyphens, not starting or ending with a hyphen", name)
	}
	proto := p.get("Protocol")
	if !elbProtocols[proto] {
		return nil, validationError("Protocol '%s' is not valid", proto)
	}
	port, err := p.intOr("Port", 0)
	if err != nil || port < 1 || port > 65535 {
		return nil, validationError("Port must be between 1 and 65535")
	}
	vpcID := p.get("VpcId")
	if _, ok := s.st.vpcs[vpcID]; !ok {
		return nil, validationError("The VPC ID '%s' is not found", vpcID)
	}
	targetType := p.get("TargetType")
	if targetType == "" {
		targetType = "instance"
	}
	if targetType != "instance" && targetType != "ip" {
		return nil, validationError("Target type '%s' is not valid (the simulator knows instance and ip)", targetType)
	}
	tg := &targetGroup{name: name, protocol: proto, port: port, vpcID: vpcID, targetType: targetType,
		protocolVersion: p.get("ProtocolVersion"), targets: map[string]*target{}}
	if proto == "HTTP" || proto == "HTTPS" {
		tg.hc = healthCheck{enabled: true, protocol: proto, port: "traffic-port", path: "/", code: "200", interval: 30, timeout: 5, healthy: 5, unhealthy: 2}
		if tg.protocolVersion == "" {
			tg.protocolVersion = "HTTP1"
		}
	} else {
		tg.hc = healthCheck{enabled: true, protocol: "TCP", port: "traffic-port", interval: 30, timeout: 10, healthy: 5, unhealthy: 2}
	}
	if aerr := applyHealthCheck(p, &tg.hc); aerr != nil {
		return nil, aerr
	}
	tags, aerr := parseELBTags(p)
	if aerr != nil {
		return nil, aerr
	}
	for _, o := range s.st.tgs {
		if o.name != name {
			continue
		}
		if o.protocol == proto && o.port == port && o.vpcID == vpcID && o.targetType == targetType && o.hc == tg.hc {
			return elbTargetGroupsResult{TargetGroups: []elbTargetGroup{s.tgXML(o)}}, nil
		}
		return nil, badRequest("DuplicateTargetGroupName", "A target group with the same name '%s' exists, but with different settings", name)
	}
	tg.object, tg.tags = s.st.newObject(r.now, r.window), tags
	tg.arn = fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:targetgroup/%s/%s", s.opts.Region, s.opts.AccountID, name, randomHex(16))
	s.st.tgs[tg.arn] = tg
	return elbTargetGroupsResult{TargetGroups: []elbTargetGroup{s.tgXML(tg)}}, nil
}

// describeTargetGroups implements DescribeTargetGroups: TargetGroupArns.member.N, Names.member.N or
// LoadBalancerArn, Marker, PageSize.
func (s *Server) describeTargetGroups(r *request) (any, *apiError) {
	arns, err := r.p.strings("TargetGroupArns.member")
	if err != nil {
		return nil, validationError("%v", err)
	}
	names, err := r.p.strings("Names.member")
	if err != nil {
		return nil, validationError("%v", err)
	}
	lbArn := r.p.get("LoadBalancerArn")
	size, aerr := s.elbPageSize(r.p)
	if aerr != nil {
		return nil, aerr
	}
	for _, arn := range arns {
		if tg, ok := s.st.tgs[arn]; !ok || !tg.visible(r.now) {
			return nil, tgNotFound(arn)
		}
	}
	if lbArn != "" {
		if _, ok := s.st.lbs[lbArn]; !ok {
			return nil, lbNotFound(lbArn)
		}
	}
	var match []*targetGroup
	for _, tg := range bySeq(s.st.tgs, func(tg *targetGroup) int { return tg.seq }) {
		if !tg.visible(r.now) || (len(arns) > 0 && !contains(arns, tg.arn)) || (len(names) > 0 && !contains(names, tg.name)) {
			continue
		}
		if lbArn != "" && !contains(s.tgLoadBalancers(tg.arn), lbArn) {
			continue
		}
		match = append(match, tg)
	}
	if len(names) > 0 && len(match) < len(names) {
		return nil, badRequest("TargetGroupNotFound", "One or more target groups not found")
	}
	items, next, ok := page(match, func(tg *targetGroup) int { return tg.seq }, r.p.get("Marker"), size)
	if !ok {
		return nil, badMarker()
	}
	out := elbTargetGroupsResult{NextMarker: next}
	for _, tg := range items {
		out.TargetGroups = append(out.TargetGroups, s.tgXML(tg))
	}
	return out, nil
}

func (s *Server) findTG(r *request) (*targetGroup, *apiError) {
	arn := r.p.get("TargetGroupArn")
	if arn == "" {
		return nil, validationError("TargetGroupArn is required")
	}
	tg, ok := s.st.tgs[arn]
	if !ok || !tg.visible(r.now) {
		return nil, tgNotFound(arn)
	}
	return tg, nil
}

// modifyTargetGroup implements ModifyTargetGroup: the health check parameters.
func (s *Server) modifyTargetGroup(r *request) (any, *apiError) {
	tg, aerr := s.findTG(r)
	if aerr != nil {
		return nil, aerr
	}
	hc := tg.hc
	if aerr := applyHealthCheck(r.p, &hc); aerr != nil {
		return nil, aerr
	}
	tg.hc = hc
	return elbTargetGroupsResult{TargetGroups: []elbTargetGroup{s.tgXML(tg)}}, nil
}

// deleteTargetGroup implements DeleteTargetGroup: a target group a listener forwards to is ResourceInUse.
func (s *Server) deleteTargetGroup(r *request) (any, *apiError) {
	tg, aerr := s.findTG(r)
	if aerr != nil {
		return nil, aerr
	}
	if lbs := s.tgLoadBalancers(tg.arn); len(lbs) > 0 {
		return nil, inUse("Target group '%s' is currently in use by a listener or a rule", tg.arn)
	}
	delete(s.st.tgs, tg.arn)
	return elbEmpty{}, nil
}

// parseTargets reads Targets.member.N (Id, Port); a target without a port gets the group's.
func parseTargets(p params, tg *targetGroup) ([]target, *apiError) {
	ms, err := p.members("Targets.member")
	if err != nil {
		return nil, validationError("%v", err)
	}
	if len(ms) == 0 {
		return nil, validationError("Targets must not be empty")
	}
	var out []target
	for _, m := range ms {
		port, err := m.intOr("Port", tg.port)
		if err != nil || port < 1 || port > 65535 {
			return nil, validationError("Target port must be between 1 and 65535")
		}
		if m.get("Id") == "" {
			return nil, validationError("Target Id is required")
		}
		out = append(out, target{id: m.get("Id"), port: port})
	}
	return out, nil
}

func targetKey(id string, port int) string { return id + ":" + strconv.Itoa(port) }

// registerTargets implements RegisterTargets. Instance targets must exist in the group's VPC and be pending or
// running (InvalidTarget otherwise); registering a target twice is harmless.
func (s *Server) registerTargets(r *request) (any, *apiError) {
	tg, aerr := s.findTG(r)
	if aerr != nil {
		return nil, aerr
	}
	ts, aerr := parseTargets(r.p, tg)
	if aerr != nil {
		return nil, aerr
	}
	for _, t := range ts {
		if tg.targetType != "instance" {
			continue
		}
		i, ok := s.st.instances[t.id]
		if !ok || !i.visible(r.now) {
			return nil, badRequest("InvalidTarget", "The following targets are not valid instances: '%s'", t.id)
		}
		if i.state != stateRunning && i.state != statePending {
			return nil, badRequest("InvalidTarget", "The following targets are not in a running state and cannot be registered: '%s'", t.id)
		}
		if i.vpcID != tg.vpcID {
			return nil, badRequest("InvalidTarget", "The following targets are not in the target group's VPC '%s': '%s'", tg.vpcID, t.id)
		}
	}
	for _, t := range ts {
		k := targetKey(t.id, t.port)
		if _, ok := tg.targets[k]; !ok {
			tg.targets[k] = &target{id: t.id, port: t.port, registered: r.now}
		}
	}
	return elbEmpty{}, nil
}

// deregisterTargets implements DeregisterTargets; a target that is not registered is ignored.
func (s *Server) deregisterTargets(r *request) (any, *apiError) {
	tg, aerr := s.findTG(r)
	if aerr != nil {
		return nil, aerr
	}
	ts, aerr := parseTargets(r.p, tg)
	if aerr != nil {
		return nil, aerr
	}
	for _, t := range ts {
		delete(tg.targets, targetKey(t.id, t.port))
	}
	return elbEmpty{}, nil
}

// describeTargetHealth implements DescribeTargetHealth: every registered target of the group, or those named
// by Targets.member.N. A target is "unused" while no load balancer forwards to its group, "initial" for one
// health check interval after registration (capped by the simulator's load balancer delay), then "healthy"
// while its instance runs and "unhealthy" otherwise.
func (s *Server) describeTargetHealth(r *request) (any, *apiError) {
	tg, aerr := s.findTG(r)
	if aerr != nil {
		return nil, aerr
	}
	var want []target
	if r.p.hasSub("Targets") {
		if want, aerr = parseTargets(r.p, tg); aerr != nil {
			return nil, aerr
		}
	} else {
		for _, t := range tg.targets {
			want = append(want, *t)
		}
		sort.Slice(want, func(i, j int) bool { return targetKey(want[i].id, want[i].port) < targetKey(want[j].id, want[j].port) })
	}
	used := len(s.tgLoadBalancers(tg.arn)) > 0
	out := elbTargetHealthResult{}
	for _, t := range want {
		d := elbTargetHealthDescription{Target: elbTarget{ID: t.id, Port: t.port}, HealthCheckPort: strconv.Itoa(t.port)}
		d.TargetHealth = s.targetHealth(tg, t, used, r.now)
		out.TargetHealthDescriptions = append(out.TargetHealthDescriptions, d)
	}
	return out, nil
}

// targetHealth is the health of one target of the group at now; used says whether a load balancer forwards to
// the group.
func (s *Server) targetHealth(tg *targetGroup, t target, used bool, now time.Time) elbTargetHealth {
	reg, ok := tg.targets[targetKey(t.id, t.port)]
	i := s.st.instances[t.id]
	switch {
	case !ok:
		return elbTargetHealth{State: "unavailable", Reason: "Target.NotRegistered", Description: "Target is not registered to the target group"}
	case !used:
		return elbTargetHealth{State: "unused", Reason: "Target.NotInUse", Description: "Target group is not configured to receive traffic from the load balancer"}
	case tg.targetType == "instance" && i != nil && i.state == statePending:
		return elbTargetHealth{State: "initial", Reason: "Elb.RegistrationInProgress", Description: "Target registration is in progress"}
	case tg.targetType == "instance" && (i == nil || i.state != stateRunning):
		return elbTargetHealth{State: "unhealthy", Reason: "Target.InvalidState", Description: "Target is in the stopped state"}
	case now.Before(reg.registered.Add(s.timing.LoadBalancerActive)):
		return elbTargetHealth{State: "initial", Reason: "Elb.RegistrationInProgress", Description: "Target registration is in progress"}
	}
	return elbTargetHealth{State: "healthy"}
}

// recordHealthLocked adds a sample to the health record of every target group whose healthy set changed.
func (s *Server) recordHealthLocked(now time.Time) {
	for _, tg := range s.st.tgs {
		used := len(s.tgLoadBalancers(tg.arn)) > 0
		var healthy []string
		for _, k := range slices.Sorted(maps.Keys(tg.targets)) {
			if s.targetHealth(tg, *tg.targets[k], used, now).State == "healthy" {
				healthy = append(healthy, k)
			}
		}
		tg.health.Observe(now, healthy)
	}
}

// TargetGroupHealth returns the target group's health record: one sample each time its set of healthy targets
// ("<instance ID>:<port>") changed, oldest first (nil for an unknown ARN). Samples are taken as requests are
// served, so a target is recorded healthy no earlier than it was.
func (s *Server) TargetGroupHealth(arn string) []healthrecord.Sample[string] {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	s.advanceLocked(now)
	s.recordHealthLocked(now)
	tg, found := s.st.tgs[arn]
	if !found {
		return nil
	}
	return tg.health.Clone()
}

// MinHealthySince is the fewest healthy targets the group had from t on, counted from the first moment after t
// that it had one: at least 1 for a rolling deploy that never left it without a healthy target, 0 for one that
// did, -1 when it had no healthy target at any time from t on (or does not exist).
func (s *Server) MinHealthySince(arn string, t time.Time) int {
	return healthrecord.MinSince(s.TargetGroupHealth(arn), t)
}
