package sim

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

func setDefault(m map[string]any, k string, v any) {
	if _, ok := m[k]; !ok {
		m[k] = v
	}
}

func prepareNetwork(_ *Server, o *object, _ scope, _ time.Time) *apiError {
	d := o.data
	auto, _ := d["autoCreateSubnetworks"].(bool)
	if _, legacy := d["IPv4Range"]; legacy {
		return invalid("Invalid value for field 'resource.IPv4Range': legacy networks are not supported")
	}
	d["autoCreateSubnetworks"] = auto
	setDefault(d, "routingConfig", map[string]any{"routingMode": "REGIONAL"})
	setDefault(d, "mtu", float64(1460))
	return nil
}

func prepareSubnetwork(s *Server, o *object, sc scope, _ time.Time) *apiError {
	d := o.data
	cidr, _ := d["ipCidrRange"].(string)
	_, ipnet, err := net.ParseCIDR(cidr)
	if err != nil || ipnet.IP.To4() == nil {
		return invalid("Invalid value for field 'resource.ipCidrRange': '%s'. Invalid IPv4 CIDR range.", cidr)
	}
	if _, ok := d["network"].(string); !ok {
		return invalid("Required field 'resource.network' not specified")
	}
	for _, other := range s.st.objects {
		if other != o && other.coll == o.coll && other.data["network"] == d["network"] && other.data["ipCidrRange"] != nil {
			if _, on, err := net.ParseCIDR(other.data["ipCidrRange"].(string)); err == nil && (on.Contains(ipnet.IP) || ipnet.Contains(on.IP)) {
				return invalid("Invalid IPCidrRange: %s conflicts with existing subnetwork '%s' in region '%s'.", cidr, other.data["name"], sc.name)
			}
		}
	}
	gw := append(net.IP(nil), ipnet.IP.To4()...)
	gw[3]++
	d["gatewayAddress"] = gw.String()
	setDefault(d, "privateIpGoogleAccess", false)
	setDefault(d, "stackType", "IPV4_ONLY")
	setDefault(d, "purpose", "PRIVATE")
	return nil
}

func prepareFirewall(_ *Server, o *object, _ scope, _ time.Time) *apiError {
	d := o.data
	setDefault(d, "network", linkBase+"projects/"+projectOf(o.path)+"/global/networks/default")
	setDefault(d, "direction", "INGRESS")
	setDefault(d, "priority", float64(1000))
	setDefault(d, "disabled", false)
	setDefault(d, "logConfig", map[string]any{"enable": false})
	if len(listOf(d["allowed"])) == 0 && len(listOf(d["denied"])) == 0 {
		return invalid("Invalid value for field 'resource.allowed': at least one allowed or denied rule is required")
	}
	if d["direction"] == "INGRESS" && len(listOf(d["sourceRanges"])) == 0 && len(listOf(d["sourceTags"])) == 0 && len(listOf(d["sourceServiceAccounts"])) == 0 {
		d["sourceRanges"] = []any{"0.0.0.0/0"}
	}
	for _, r := range append(listOf(d["allowed"]), listOf(d["denied"])...) {
		m, _ := r.(map[string]any)
		p, _ := m["IPProtocol"].(string)
		if p == "" {
			return invalid("Required field 'resource.allowed[].IPProtocol' not specified")
		}
	}
	return nil
}

func projectOf(path string) string {
	parts := strings.Split(path, "/")
	if len(parts) > 1 {
		return parts[1]
	}
	return ""
}

func prepareAddress(s *Server, o *object, sc scope, _ time.Time) *apiError {
	d := o.data
	setDefault(d, "addressType", "EXTERNAL")
	setDefault(d, "ipVersion", "IPV4")
	if d["addressType"] == "EXTERNAL" {
		setDefault(d, "networkTier", "PREMIUM")
		if sc.kind == "global" {
			delete(d, "networkTier")
			d["networkTier"] = "PREMIUM"
		}
	}
	if _, given := d["address"]; !given {
		if d["addressType"] == "INTERNAL" {
			sub, _ := d["subnetwork"].(string)
			if sub == "" {
				sub = linkBase + "projects/" + sc.project + "/regions/" + sc.name + "/subnetworks/default"
				d["subnetwork"] = sub
			}
			ip, e := s.internalIP(sub)
			if e != nil {
				return e
			}
			d["address"] = ip
		} else {
			d["address"] = s.externalIP()
		}
	}
	d["status"] = "RESERVED"
	return nil
}

// externalIP hands out the next public address (from 203.0.113.0/24 and on, documentation ranges).
func (s *Server) externalIP() string {
	n := s.st.nextSeq()
	return fmt.Sprintf("34.%d.%d.%d", 64+(n>>16)&63, (n>>8)&255, n&255)
}

// internalIP hands out the next free address of a subnetwork's range.
func (s *Server) internalIP(subLink string) (string, *apiError) {
	sub, ok := s.st.objects[strings.TrimPrefix(subLink, linkBase)]
	if !ok {
		return "", notFound(strings.TrimPrefix(subLink, linkBase))
	}
	_, ipnet, err := net.ParseCIDR(sub.data["ipCidrRange"].(string))
	if err != nil {
		return "", invalid("the subnetwork has no usable range")
	}
	used := map[string]bool{}
	for _, o := range s.st.objects {
		for _, ni := range listOf(o.data["networkInterfaces"]) {
			m, _ := ni.(map[string]any)
			if ip, _ := m["networkIP"].(string); ip != "" {
				used[ip] = true
			}
		}
		if o.data["addressType"] == "INTERNAL" {
			used[fmt.Sprint(o.data["address"])] = true
		}
	}
	base := ipnet.IP.To4()
	ones, bits := ipnet.Mask.Size()
	for i := 2; i < 1<<(bits-ones)-1; i++ {
		ip := net.IPv4(base[0], base[1], base[2]+byte(i>>8), base[3]+byte(i&255)).String()
		if !used[ip] {
			return ip, nil
		}
	}
	return "", errf(http.StatusBadRequest, "ipSpaceExhausted", "IP space of '%s' is exhausted", strings.TrimPrefix(subLink, linkBase))
}

func prepareInstance(s *Server, o *object, sc scope, now time.Time) *apiError {
	d := o.data
	if _, ok := d["machineType"].(string); !ok {
		return invalid("Invalid value for field 'resource.machineType': ''. Machine type must be specified.")
	}
	disks := listOf(d["disks"])
	if len(disks) == 0 {
		return invalid("Invalid value for field 'resource.disks': ''. Boot disk must be specified.")
	}
	name := d["name"].(string)
	for i, raw := range disks {
		dm, _ := raw.(map[string]any)
		ip, _ := dm["initializeParams"].(map[string]any)
		img, _ := ip["sourceImage"].(string)
		if img == "" {
			return invalid("Invalid value for field 'resource.disks[%d].initializeParams.sourceImage': a new disk needs a source image", i)
		}
		size := "10"
		if v, ok := ip["diskSizeGb"].(string); ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < 10 || n > 65536 {
				return invalid("Invalid value for field 'resource.disks[%d].initializeParams.diskSizeGb': '%s'. Requested disk size cannot be smaller than the image size (10 GB)", i, v)
			}
			size = v
		}
		diskName := name
		if i > 0 {
			diskName = fmt.Sprintf("%s-%d", name, i)
		}
		if dn, ok := ip["diskName"].(string); ok {
			diskName = dn
		}
		dtype := linkBase + sc.path() + "/diskTypes/pd-standard"
		if t, ok := ip["diskType"].(string); ok {
			dtype = t
		}
		diskPath := sc.path() + "/disks/" + diskName
		if _, exists := s.st.objects[diskPath]; exists {
			return errf(http.StatusConflict, "alreadyExists", "The resource '%s' already exists", diskPath)
		}
		s.st.objects[diskPath] = &object{path: diskPath, coll: collFor("zones", "disks"), seq: s.st.nextSeq(), data: map[string]any{
			"kind": "compute#disk", "id": uid(s.rng.uint64()), "name": diskName, "sizeGb": size, "sourceImage": img, "type": dtype,
			"zone": linkBase + sc.path(), "status": "READY", "selfLink": linkBase + diskPath, "creationTimestamp": timestamp(now),
			"users": []any{linkBase + o.path}, "labels": map[string]any{}, "labelFingerprint": fingerprint(now, i)}}
		auto := true
		if v, ok := dm["autoDelete"].(bool); ok {
			auto = v
		}
		disks[i] = map[string]any{"kind": "compute#attachedDisk", "type": "PERSISTENT", "mode": "READ_WRITE", "source": linkBase + diskPath,
			"deviceName": diskName, "index": float64(i), "boot": i == 0, "autoDelete": auto, "interface": "SCSI", "diskSizeGb": size}
	}
	nics := listOf(d["networkInterfaces"])
	if len(nics) == 0 {
		nics = []any{map[string]any{"network": linkBase + "projects/" + sc.project + "/global/networks/default"}}
	}
	for i, raw := range nics {
		ni, _ := raw.(map[string]any)
		sub, _ := ni["subnetwork"].(string)
		if sub == "" {
			sub = linkBase + "projects/" + sc.project + "/regions/" + regionOfZone(sc.name) + "/subnetworks/default"
			if n, _ := ni["network"].(string); n != "" && n != linkBase+"projects/"+sc.project+"/global/networks/default" {
				return invalid("Invalid value for field 'resource.networkInterfaces[%d].subnetwork': ''. The network is in custom mode: name a subnetwork", i)
			}
			ni["subnetwork"] = sub
		}
		subObj := s.st.objects[strings.TrimPrefix(sub, linkBase)]
		if subObj == nil {
			return notFound(strings.TrimPrefix(sub, linkBase))
		}
		if !strings.Contains(sub, "/regions/"+regionOfZone(sc.name)+"/") {
			return invalid("Invalid value for field 'resource.networkInterfaces[%d].subnetwork': '%s'. The subnetwork must be in the region of zone %s", i, sub, sc.name)
		}
		ni["network"] = subObj.data["network"]
		ip, e := s.internalIP(sub)
		if e != nil {
			return e
		}
		ni["networkIP"] = ip
		ni["name"] = fmt.Sprintf("nic%d", i)
		ni["kind"] = "compute#networkInterface"
		ni["fingerprint"] = fingerprint(now, i+7)
		ni["stackType"] = "IPV4_ONLY"
		for _, ac := range listOf(ni["accessConfigs"]) {
			am, _ := ac.(map[string]any)
			setDefault(am, "type", "ONE_TO_ONE_NAT")
			setDefault(am, "name", "External NAT")
			setDefault(am, "networkTier", "PREMIUM")
			am["kind"] = "compute#accessConfig"
			if _, given := am["natIP"]; !given {
				am["natIP"] = s.externalIP()
			}
		}
		nics[i] = ni
	}
	d["networkInterfaces"] = nics
	md, _ := d["metadata"].(map[string]any)
	if md == nil {
		md = map[string]any{}
	}
	md["kind"] = "compute#metadata"
	md["fingerprint"] = fingerprint(now, 11)
	d["metadata"] = md
	tags, _ := d["tags"].(map[string]any)
	if tags == nil {
		tags = map[string]any{}
	}
	tags["fingerprint"] = fingerprint(now, 13)
	d["tags"] = tags
	setDefault(d, "scheduling", map[string]any{"onHostMaintenance": "MIGRATE", "automaticRestart": true, "preemptible": false, "provisioningModel": "STANDARD"})
	setDefault(d, "canIpForward", false)
	setDefault(d, "deletionProtection", false)
	d["cpuPlatform"] = "Intel Broadwell"
	d["fingerprint"] = fingerprint(now, 17)
	d["startRestricted"] = false
	d["status"] = "PROVISIONING"
	o.next, o.until = "STAGING", now.Add(s.timing.InstanceStart/2)
	return nil
}

// instanceVerbs are the custom methods of instances.
var instanceVerbs = map[string]verbFunc{
	"setLabels": setLabels,
	"setMetadata": func(_ *Server, o *object, _ scope, body map[string]any, now time.Time) *apiError {
		md, _ := o.data["metadata"].(map[string]any)
		if fp, _ := body["fingerprint"].(string); fp != md["fingerprint"] {
			return errf(http.StatusPreconditionFailed, "conditionNotMet", "Supplied fingerprint does not match current metadata fingerprint.")
		}
		items := listOf(body["items"])
		o.data["metadata"] = map[string]any{"kind": "compute#metadata", "items": items, "fingerprint": fingerprint(now, 19)}
		if len(items) == 0 {
			delete(o.data["metadata"].(map[string]any), "items")
		}
		return nil
	},
	"setTags": func(_ *Server, o *object, _ scope, body map[string]any, now time.Time) *apiError {
		tags, _ := o.data["tags"].(map[string]any)
		if fp, _ := body["fingerprint"].(string); fp != tags["fingerprint"] {
			return errf(http.StatusPreconditionFailed, "conditionNotMet", "Supplied fingerprint does not match current tags fingerprint.")
		}
		next := map[string]any{"fingerprint": fingerprint(now, 23)}
		if items := listOf(body["items"]); len(items) > 0 {
			next["items"] = items
		}
		o.data["tags"] = next
		return nil
	},
	"setMachineType": func(s *Server, o *object, sc scope, body map[string]any, _ time.Time) *apiError {
		if o.data["status"] != "TERMINATED" {
			return errf(http.StatusBadRequest, "resourceNotReady", "The resource '%s' is not ready: the instance must be stopped to change its machine type (it is %s)", o.path, o.data["status"])
		}
		mt, _ := body["machineType"].(string)
		link, e := s.resolve(sc, "machineType", mt)
		if e != nil {
			return e
		}
		o.data["machineType"] = link
		return nil
	},
	"setServiceAccount": func(_ *Server, o *object, _ scope, body map[string]any, _ time.Time) *apiError {
		if o.data["status"] != "TERMINATED" {
			return errf(http.StatusBadRequest, "resourceNotReady", "The resource '%s' is not ready: the instance must be stopped to change its service account", o.path)
		}
		email, _ := body["email"].(string)
		if email == "" {
			delete(o.data, "serviceAccounts")
			return nil
		}
		o.data["serviceAccounts"] = []any{map[string]any{"email": email, "scopes": listOf(body["scopes"])}}
		return nil
	},
	"stop": func(s *Server, o *object, _ scope, _ map[string]any, now time.Time) *apiError {
		switch o.data["status"] {
		case "TERMINATED", "STOPPING":
			return nil
		case "RUNNING":
			o.data["status"] = "STOPPING"
			o.next, o.until = "TERMINATED", now.Add(s.timing.InstanceStop)
			return nil
		}
		return errf(http.StatusBadRequest, "resourceNotReady", "The resource '%s' is not ready (it is %s)", o.path, o.data["status"])
	},
	"start": func(s *Server, o *object, _ scope, _ map[string]any, now time.Time) *apiError {
		switch o.data["status"] {
		case "RUNNING", "PROVISIONING", "STAGING":
			return nil
		case "TERMINATED":
			o.data["status"] = "STAGING"
			o.next, o.until = "RUNNING", now.Add(s.timing.InstanceStart)
			return nil
		}
		return errf(http.StatusBadRequest, "resourceNotReady", "The resource '%s' is not ready (it is %s)", o.path, o.data["status"])
	},
}

// setLabels is the setLabels method of every labelled collection.
func setLabels(_ *Server, o *object, _ scope, body map[string]any, now time.Time) *apiError {
	if fp, _ := body["labelFingerprint"].(string); fp != o.data["labelFingerprint"] {
		return errf(http.StatusPreconditionFailed, "conditionNotMet", "Labels fingerprint either invalid or resource labels have changed")
	}
	labels, _ := body["labels"].(map[string]any)
	if labels == nil {
		labels = map[string]any{}
	}
	if e := checkLabels(labels); e != nil {
		return e
	}
	o.data["labels"] = deepCopy(labels)
	o.data["labelFingerprint"] = fingerprint(now, len(labels)+29)
	return nil
}

func prepareHealthCheck(_ *Server, o *object, _ scope, _ time.Time) *apiError {
	d := o.data
	setDefault(d, "checkIntervalSec", float64(5))
	setDefault(d, "timeoutSec", float64(5))
	setDefault(d, "healthyThreshold", float64(2))
	setDefault(d, "unhealthyThreshold", float64(2))
	typ, _ := d["type"].(string)
	switch typ {
	case "HTTP":
		hc, _ := d["httpHealthCheck"].(map[string]any)
		if hc == nil {
			hc = map[string]any{}
			d["httpHealthCheck"] = hc
		}
		setDefault(hc, "port", float64(80))
		setDefault(hc, "requestPath", "/")
		setDefault(hc, "proxyHeader", "NONE")
	case "TCP":
		hc, _ := d["tcpHealthCheck"].(map[string]any)
		if hc == nil {
			return invalid("Invalid value for field 'resource.tcpHealthCheck': a TCP health check needs tcpHealthCheck.port")
		}
		setDefault(hc, "proxyHeader", "NONE")
	default:
		return invalid("Invalid value for field 'resource.type': '%s'. The simulator knows HTTP and TCP health checks", typ)
	}
	if d["timeoutSec"].(float64) > d["checkIntervalSec"].(float64) {
		return invalid("Invalid value for field 'resource.timeoutSec': %v. TimeoutSec should be less than checkIntervalSec.", d["timeoutSec"])
	}
	return nil
}

func prepareHTTPHealthCheck(_ *Server, o *object, _ scope, _ time.Time) *apiError {
	d := o.data
	setDefault(d, "port", float64(80))
	setDefault(d, "requestPath", "/")
	setDefault(d, "checkIntervalSec", float64(5))
	setDefault(d, "timeoutSec", float64(5))
	setDefault(d, "healthyThreshold", float64(2))
	setDefault(d, "unhealthyThreshold", float64(2))
	if d["timeoutSec"].(float64) > d["checkIntervalSec"].(float64) {
		return invalid("Invalid value for field 'resource.timeoutSec': %v. TimeoutSec should be less than checkIntervalSec.", d["timeoutSec"])
	}
	return nil
}

func prepareTargetPool(_ *Server, o *object, _ scope, _ time.Time) *apiError {
	d := o.data
	setDefault(d, "sessionAffinity", "NONE")
	setDefault(d, "instances", []any{})
	for _, hc := range listOf(d["healthChecks"]) {
		if !strings.Contains(hc.(string), "/global/httpHealthChecks/") && !strings.Contains(hc.(string), "/global/healthChecks/") {
			return invalid("Invalid value for field 'resource.healthChecks[0]': '%s'. A target pool takes HTTP health checks", hc)
		}
	}
	return nil
}

var targetPoolVerbs = map[string]verbFunc{
	"addInstance": func(s *Server, o *object, sc scope, body map[string]any, now time.Time) *apiError {
		cur := listOf(o.data["instances"])
		for _, raw := range listOf(body["instances"]) {
			m, _ := raw.(map[string]any)
			ref, _ := m["instance"].(string)
			link, e := s.resolve(sc, "instance", ref)
			if e != nil {
				return e
			}
			if !strings.Contains(link, "/zones/"+sc.name+"-") {
				return invalid("Invalid value for field 'instances': '%s'. The instance must be in a zone of region %s", link, sc.name)
			}
			if refersTo(cur, link) {
				return errf(http.StatusBadRequest, "alreadyExists", "Resource '%s' is already a member of '%s'", link, o.path)
			}
			cur = append(cur, link)
			if o.joined == nil {
				o.joined = map[string]time.Time{}
			}
			o.joined[link] = now
		}
		o.data["instances"] = cur
		return nil
	},
	"removeInstance": func(_ *Server, o *object, sc scope, body map[string]any, _ time.Time) *apiError {
		cur := listOf(o.data["instances"])
		for _, raw := range listOf(body["instances"]) {
			m, _ := raw.(map[string]any)
			ref, _ := m["instance"].(string)
			// An instance deleted already may still be named: the link need not resolve.
			link := ref
			if p, ok := objectPath(sc, ref); ok {
				link = linkBase + p
			}
			if !refersTo(cur, link) {
				return errf(http.StatusBadRequest, "invalid", "Resource '%s' is not a member of '%s'", link, o.path)
			}
			cur = without(cur, link)
			delete(o.joined, link)
		}
		o.data["instances"] = cur
		return nil
	},
}

func prepareForwardingRule(s *Server, o *object, sc scope, _ time.Time) *apiError {
	d := o.data
	setDefault(d, "IPProtocol", "TCP")
	setDefault(d, "loadBalancingScheme", "EXTERNAL")
	setDefault(d, "networkTier", "PREMIUM")
	if pr, ok := d["portRange"].(string); ok && !strings.Contains(pr, "-") {
		d["portRange"] = pr + "-" + pr
	}
	target, _ := d["target"].(string)
	switch {
	case sc.kind == "global" && !strings.Contains(target, "/targetHttpProxies/"):
		return invalid("Invalid value for field 'resource.target': '%s'. A global forwarding rule targets a target HTTP proxy here", target)
	case sc.kind == "regions" && !strings.Contains(target, "/targetPools/"):
		return invalid("Invalid value for field 'resource.target': '%s'. A regional forwarding rule targets a target pool here", target)
	}
	if ip, ok := d["IPAddress"].(string); ok && ip != "" {
		if net.ParseIP(ip) == nil {
			link, e := s.resolve(sc, "IPAddress", ip)
			if e != nil {
				return e
			}
			addr := s.st.objects[strings.TrimPrefix(link, linkBase)]
			d["IPAddress"] = addr.data["address"]
		}
	} else {
		d["IPAddress"] = s.externalIP()
	}
	for _, a := range s.st.objects {
		if a.coll.segment == "addresses" && a.data["address"] == d["IPAddress"] && scopeOfPath(a.path) == sc.path() {
			a.data["status"] = "IN_USE"
			a.data["users"] = []any{linkBase + o.path}
		}
	}
	return nil
}

var forwardingRuleVerbs = map[string]verbFunc{
	"setLabels": setLabels,
	"setTarget": func(s *Server, o *object, sc scope, body map[string]any, now time.Time) *apiError {
		t, _ := body["target"].(string)
		link, e := s.resolve(sc, "target", t)
		if e != nil {
			return e
		}
		o.data["target"] = link
		return nil
	},
}

func prepareInstanceGroup(_ *Server, o *object, _ scope, _ time.Time) *apiError {
	d := o.data
	setDefault(d, "network", linkBase+"projects/"+projectOf(o.path)+"/global/networks/default")
	return nil
}

var instanceGroupVerbs = map[string]verbFunc{
	"addInstances": func(s *Server, o *object, sc scope, body map[string]any, _ time.Time) *apiError {
		for _, raw := range listOf(body["instances"]) {
			m, _ := raw.(map[string]any)
			ref, _ := m["instance"].(string)
			link, e := s.resolve(sc, "instance", ref)
			if e != nil {
				return e
			}
			if !strings.Contains(link, "/"+sc.path()+"/instances/") {
				return invalid("Invalid value for field 'instances': '%s'. The instance must be in zone %s", ref, sc.name)
			}
			if contains(o.members, link) {
				return errf(http.StatusBadRequest, "memberAlreadyExists", "The instance '%s' is already a member of '%s'", link, o.path)
			}
			o.members = append(o.members, link)
		}
		return nil
	},
	"removeInstances": func(_ *Server, o *object, _ scope, body map[string]any, _ time.Time) *apiError {
		for _, raw := range listOf(body["instances"]) {
			m, _ := raw.(map[string]any)
			ref, _ := m["instance"].(string)
			link := linkBase + strings.TrimPrefix(ref, linkBase)
			if !contains(o.members, link) {
				return errf(http.StatusBadRequest, "memberNotFound", "The instance '%s' is not a member of '%s'", link, o.path)
			}
			o.members = withoutString(o.members, link)
		}
		return nil
	},
	"setNamedPorts": func(_ *Server, o *object, _ scope, body map[string]any, now time.Time) *apiError {
		if fp, given := body["fingerprint"].(string); given && fp != o.data["fingerprint"] {
			return errf(http.StatusPreconditionFailed, "conditionNotMet", "Supplied fingerprint does not match current named ports fingerprint.")
		}
		o.data["namedPorts"] = listOf(body["namedPorts"])
		o.data["fingerprint"] = fingerprint(now, len(o.members)+31)
		return nil
	},
}

// listGroupInstances serves instanceGroups.listInstances.
func (s *Server) listGroupInstances(req *request, sc scope, name string, now time.Time) response {
	o, e := s.find(sc, collFor("zones", "instanceGroups"), name, now)
	if e != nil {
		return fail(e)
	}
	var items []map[string]any
	for _, m := range o.members {
		status := "RUNNING"
		if inst, ok := s.st.objects[strings.TrimPrefix(m, linkBase)]; ok {
			status, _ = inst.data["status"].(string)
		}
		items = append(items, map[string]any{"instance": m, "status": status})
	}
	return s.page(req, "compute#instanceGroupsListInstances", linkBase+o.path+"/listInstances", items)
}

func prepareBackendService(_ *Server, o *object, _ scope, _ time.Time) *apiError {
	d := o.data
	setDefault(d, "protocol", "HTTP")
	setDefault(d, "portName", "http")
	setDefault(d, "timeoutSec", float64(30))
	setDefault(d, "loadBalancingScheme", "EXTERNAL")
	setDefault(d, "sessionAffinity", "NONE")
	setDefault(d, "connectionDraining", map[string]any{"drainingTimeoutSec": float64(300)})
	for _, raw := range listOf(d["backends"]) {
		b, _ := raw.(map[string]any)
		if g, _ := b["group"].(string); !strings.Contains(g, "/instanceGroups/") {
			return invalid("Invalid value for field 'resource.backends[].group': '%s'. The group must be an instance group", g)
		}
		setDefault(b, "balancingMode", "UTILIZATION")
		setDefault(b, "capacityScaler", float64(1))
	}
	if len(listOf(d["healthChecks"])) == 0 {
		return invalid("Invalid value for field 'resource.healthChecks': ''. A backend service with instance group backends needs a health check")
	}
	return nil
}

func prepareURLMap(_ *Server, o *object, _ scope, _ time.Time) *apiError {
	if _, ok := o.data["defaultService"].(string); !ok {
		return invalid("Required field 'resource.defaultService' not specified")
	}
	matchers := map[string]bool{}
	for _, raw := range listOf(o.data["pathMatchers"]) {
		pm, _ := raw.(map[string]any)
		name, _ := pm["name"].(string)
		if name == "" {
			return invalid("Required field 'resource.pathMatchers[].name' not specified")
		}
		matchers[name] = true
	}
	for _, raw := range listOf(o.data["hostRules"]) {
		hr, _ := raw.(map[string]any)
		if name, _ := hr["pathMatcher"].(string); !matchers[name] {
			return invalid("Invalid value for field 'resource.hostRules[].pathMatcher': '%s'. The path matcher does not exist", name)
		}
	}
	return nil
}

func prepareTargetHTTPProxy(_ *Server, o *object, _ scope, _ time.Time) *apiError {
	if _, ok := o.data["urlMap"].(string); !ok {
		return invalid("Required field 'resource.urlMap' not specified")
	}
	return nil
}

var targetHTTPProxyVerbs = map[string]verbFunc{
	"setUrlMap": func(s *Server, o *object, sc scope, body map[string]any, _ time.Time) *apiError {
		u, _ := body["urlMap"].(string)
		link, e := s.resolve(sc, "urlMap", u)
		if e != nil {
			return e
		}
		o.data["urlMap"] = link
		return nil
	},
}

func parseIP(s string) net.IP { return net.ParseIP(s) }
