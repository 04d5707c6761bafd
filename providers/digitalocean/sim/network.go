package sim

import (
	"crypto/md5"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// vpc is a VPC network; each region has a default one from the start.
type vpc struct {
	id, name, description, region, ipRange string
	isDefault                              bool
	created                                time.Time
	seq                                    int
}

func (v *vpc) view() map[string]any {
	return map[string]any{"id": v.id, "urn": "do:vpc:" + v.id, "name": v.name, "description": v.description, "region": v.region,
		"ip_range": v.ipRange, "default": v.isDefault, "created_at": timestamp(v.created)}
}

// vpcsRoute serves /v2/vpcs and /v2/vpcs/{id} (GET, PUT, PATCH, DELETE).
func (s *Server) vpcsRoute(req *request) response {
	if len(req.segs) == 1 {
		switch req.method {
		case http.MethodGet:
			var out []any
			for _, v := range sorted(s.st.vpcs, func(v *vpc) int { return v.seq }) {
				out = append(out, v.view())
			}
			return s.page(req, "vpcs", out)
		case http.MethodPost:
			name, region := str(req.body, "name"), str(req.body, "region")
			if name == "" || !s.st.hasRegion(region) {
				return fail(unprocessable("A VPC needs a name and one of the regions %v.", s.st.regions))
			}
			for _, v := range s.st.vpcs {
				if v.name == name {
					return fail(unprocessable("A VPC named %q already exists.", name))
				}
			}
			r := str(req.body, "ip_range")
			if r == "" {
				r = fmt.Sprintf("10.%d.%d.0/24", 10+len(s.st.vpcs)/250, len(s.st.vpcs)%250)
			}
			v := &vpc{id: s.rng.uuid(), name: name, description: str(req.body, "description"), region: region, ipRange: r, created: req.now, seq: s.st.id()}
			s.st.vpcs[v.id] = v
			return response{status: http.StatusCreated, value: map[string]any{"vpc": v.view()}}
		}
		return fail(notFound())
	}
	v, found := s.st.vpcs[req.segs[1]]
	if !found || len(req.segs) > 2 {
		return fail(notFound())
	}
	switch req.method {
	case http.MethodGet:
		if s.fresh(v.created, req.now) {
			return fail(notFound())
		}
		return ok(map[string]any{"vpc": v.view()})
	case http.MethodPut, http.MethodPatch:
		if n := str(req.body, "name"); n != "" {
			v.name = n
		} else if req.method == http.MethodPut {
			return fail(unprocessable("name is required"))
		}
		if _, set := req.body["description"]; set {
			v.description = str(req.body, "description")
		}
		return ok(map[string]any{"vpc": v.view()})
	case http.MethodDelete:
		if v.isDefault {
			return fail(errf(http.StatusForbidden, "forbidden", "The default VPC of a region cannot be deleted."))
		}
		for _, d := range s.st.droplets {
			if d.vpcUUID == v.id {
				return fail(errf(http.StatusForbidden, "forbidden", "Cannot delete a VPC with members: droplet %d is in it.", d.id))
			}
		}
		delete(s.st.vpcs, v.id)
		return noContent()
	}
	return fail(notFound())
}

// sshKey is an account SSH key.
type sshKey struct {
	id                           int
	name, publicKey, fingerprint string
}

func (k *sshKey) view() map[string]any {
	return map[string]any{"id": k.id, "fingerprint": k.fingerprint, "public_key": k.publicKey, "name": k.name}
}

// fingerprintOf is the MD5 fingerprint DigitalOcean shows for an OpenSSH public key.
func fingerprintOf(pub string) (string, bool) {
	f := strings.Fields(pub)
	if len(f) < 2 || !strings.HasPrefix(f[0], "ssh-") && !strings.HasPrefix(f[0], "ecdsa-") {
		return "", false
	}
	raw, err := base64.StdEncoding.DecodeString(f[1])
	if err != nil || len(raw) == 0 {
		return "", false
	}
	sum := md5.Sum(raw)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02x", b)
	}
	return strings.Join(parts, ":"), true
}

// sshKeysRoute serves /v2/account/keys (and its alias /v2/ssh_keys): list, create, and get, update or delete
// by id or fingerprint.
func (s *Server) sshKeysRoute(req *request) response {
	if len(req.segs) == 1 {
		switch req.method {
		case http.MethodGet:
			var out []any
			for _, k := range sorted(s.st.sshKeys, func(k *sshKey) int { return k.id }) {
				out = append(out, k.view())
			}
			return s.page(req, "ssh_keys", out)
		case http.MethodPost:
			name, pub := str(req.body, "name"), strings.TrimSpace(str(req.body, "public_key"))
			fp, valid := fingerprintOf(pub)
			if name == "" || !valid {
				return fail(unprocessable("An SSH key needs a name and a public_key in OpenSSH format."))
			}
			for _, k := range s.st.sshKeys {
				if k.fingerprint == fp {
					return fail(unprocessable("SSH Key is already in use on your account"))
				}
			}
			k := &sshKey{id: s.st.id(), name: name, publicKey: pub, fingerprint: fp}
			s.st.sshKeys[k.id] = k
			return response{status: http.StatusCreated, value: map[string]any{"ssh_key": k.view()}}
		}
		return fail(notFound())
	}
	var k *sshKey
	for _, c := range s.st.sshKeys {
		if strconv.Itoa(c.id) == req.segs[1] || c.fingerprint == req.segs[1] {
			k = c
		}
	}
	if k == nil || len(req.segs) > 2 {
		return fail(notFound())
	}
	switch req.method {
	case http.MethodGet:
		return ok(map[string]any{"ssh_key": k.view()})
	case http.MethodPut:
		if n := str(req.body, "name"); n != "" {
			k.name = n
		}
		return ok(map[string]any{"ssh_key": k.view()})
	case http.MethodDelete:
		delete(s.st.sshKeys, k.id)
		return noContent()
	}
	return fail(notFound())
}

// tag is a tag; droplets carry it in their own tags list.
type tag struct {
	name    string
	created time.Time
	seq     int
}

func (s *Server) ensureTag(name string, now time.Time) {
	if _, found := s.st.tags[name]; !found {
		s.st.tags[name] = &tag{name: name, created: now, seq: s.st.id()}
	}
}

func (s *Server) tagView(t *tag) map[string]any {
	n, last := 0, ""
	for _, d := range sorted(s.st.droplets, dropletSeq) {
		if slices.Contains(d.tags, t.name) {
			n++
			last = "/v2/droplets/" + strconv.Itoa(d.id)
		}
	}
	zero := map[string]any{"count": 0}
	drops := map[string]any{"count": n}
	res := map[string]any{"count": n, "droplets": drops, "imgages": zero, "volumes": zero, "volume_snapshots": zero, "databases": zero}
	if last != "" {
		drops["last_tagged_uri"], res["last_tagged_uri"] = last, last
	}
	return map[string]any{"name": t.name, "resources": res}
}

// tagsRoute serves /v2/tags, /v2/tags/{name} and /v2/tags/{name}/resources.
func (s *Server) tagsRoute(req *request) response {
	if len(req.segs) == 1 {
		switch req.method {
		case http.MethodGet:
			var out []any
			for _, t := range sorted(s.st.tags, func(t *tag) int { return t.seq }) {
				out = append(out, s.tagView(t))
			}
			return s.page(req, "tags", out)
		case http.MethodPost:
			name := str(req.body, "name")
			if !tagName.MatchString(name) {
				return fail(unprocessable("Tag name %q is not valid: use letters, digits, colons, dashes and underscores.", name))
			}
			s.ensureTag(name, req.now)
			return response{status: http.StatusCreated, value: map[string]any{"tag": s.tagView(s.st.tags[name])}}
		}
		return fail(notFound())
	}
	t, found := s.st.tags[req.segs[1]]
	if !found {
		return fail(notFound())
	}
	switch {
	case len(req.segs) == 2 && req.method == http.MethodGet:
		return ok(map[string]any{"tag": s.tagView(t)})
	case len(req.segs) == 2 && req.method == http.MethodDelete:
		for _, d := range s.st.droplets {
			d.tags = slices.DeleteFunc(d.tags, func(n string) bool { return n == t.name })
		}
		for _, fw := range s.st.fws {
			fw.tags = slices.DeleteFunc(fw.tags, func(n string) bool { return n == t.name })
		}
		delete(s.st.tags, t.name)
		return noContent()
	case len(req.segs) == 3 && req.segs[2] == "resources" && (req.method == http.MethodPost || req.method == http.MethodDelete):
		list, _ := req.body["resources"].([]any)
		if len(list) == 0 {
			return fail(unprocessable("resources must list at least one resource"))
		}
		var targets []*droplet
		for _, r := range list {
			m, _ := r.(map[string]any)
			if str(m, "resource_type") != "droplet" {
				return fail(unprocessable("resource_type %q is not one the simulator tags (droplet)", str(m, "resource_type")))
			}
			id, err := strconv.Atoi(str(m, "resource_id"))
			d, found := s.st.droplets[id]
			if err != nil || !found {
				return fail(notFound())
			}
			targets = append(targets, d)
		}
		for _, d := range targets {
			if req.method == http.MethodPost && !slices.Contains(d.tags, t.name) {
				d.tags = append(d.tags, t.name)
			}
			if req.method == http.MethodDelete {
				d.tags = slices.DeleteFunc(d.tags, func(n string) bool { return n == t.name })
			}
		}
		return noContent()
	}
	return fail(notFound())
}

// reservedIP is a reserved IPv4 address, held in a region and assigned to at most one droplet.
type reservedIP struct {
	ip, region string
	dropletID  int
	created    time.Time
	seq        int
}

func (s *Server) reservedIPView(ip *reservedIP, now time.Time) map[string]any {
	v := map[string]any{"ip": ip.ip, "region": s.regionView(ip.region), "droplet": nil, "locked": false,
		"project_id": "0c4d3a2b-5f1e-4b6c-9d8e-7f6a5b4c3d2e"}
	if d, found := s.st.droplets[ip.dropletID]; found {
		v["droplet"] = s.dropletView(d, now)
	}
	return v
}

// reservedIPsRoute serves /v2/reserved_ips (and the older /v2/floating_ips), /v2/reserved_ips/{ip} and
// /v2/reserved_ips/{ip}/actions[/{id}] with assign and unassign.
func (s *Server) reservedIPsRoute(req *request) response {
	key := "reserved_ip"
	if req.segs[0] == "floating_ips" {
		key = "floating_ip"
	}
	if len(req.segs) == 1 {
		switch req.method {
		case http.MethodGet:
			var out []any
			for _, ip := range sorted(s.st.ips, func(ip *reservedIP) int { return ip.seq }) {
				out = append(out, s.reservedIPView(ip, req.now))
			}
			return s.page(req, key+"s", out)
		case http.MethodPost:
			region := str(req.body, "region")
			var d *droplet
			if id, set := num(req.body, "droplet_id"); set {
				d = s.st.droplets[id]
				if d == nil {
					return fail(unprocessable("Droplet %d does not exist.", id))
				}
				region = d.region
			}
			if !s.st.hasRegion(region) {
				return fail(unprocessable("A reserved IP needs a droplet_id or one of the regions %v.", s.st.regions))
			}
			s.st.ipSeq++
			ip := &reservedIP{ip: fmt.Sprintf("198.51.%d.%d", 100+s.st.ipSeq/250%100, 2+s.st.ipSeq%250), region: region, created: req.now, seq: s.st.id()}
			links := map[string]any{}
			if d != nil {
				ip.dropletID = d.id
				a := s.newAction("assign_ip", key, ipID(ip.ip), region, req.now, s.timing.ActionComplete, nil)
				links["droplets"] = []any{map[string]any{"id": d.id, "rel": "droplet", "href": req.base + "/v2/droplets/" + strconv.Itoa(d.id)}}
				links["actions"] = []any{map[string]any{"id": a.id, "rel": "assign_ip", "href": req.base + "/v2/actions/" + strconv.Itoa(a.id)}}
			}
			s.st.ips[ip.ip] = ip
			return response{status: http.StatusAccepted, value: map[string]any{key: s.reservedIPView(ip, req.now), "links": links}}
		}
		return fail(notFound())
	}
	ip, found := s.st.ips[req.segs[1]]
	if !found {
		return fail(notFound())
	}
	switch {
	case len(req.segs) == 2 && req.method == http.MethodGet:
		if s.fresh(ip.created, req.now) {
			return fail(notFound())
		}
		return ok(map[string]any{key: s.reservedIPView(ip, req.now)})
	case len(req.segs) == 2 && req.method == http.MethodDelete:
		delete(s.st.ips, ip.ip)
		return noContent()
	case len(req.segs) == 3 && req.segs[2] == "actions" && req.method == http.MethodGet:
		var out []any
		for _, a := range sorted(s.st.actions, actionSeq) {
			if a.resourceType == key && a.resourceID == ipID(ip.ip) {
				out = append(out, s.actionView(a, req.now))
			}
		}
		return s.page(req, "actions", out)
	case len(req.segs) == 3 && req.segs[2] == "actions" && req.method == http.MethodPost:
		var apply func()
		switch str(req.body, "type") {
		case "assign":
			id, _ := num(req.body, "droplet_id")
			d, found := s.st.droplets[id]
			if !found {
				return fail(unprocessable("Droplet %d does not exist.", id))
			}
			if d.region != ip.region {
				return fail(unprocessable("The droplet is in %s, the reserved IP in %s.", d.region, ip.region))
			}
			apply = func() { ip.dropletID = d.id }
		case "unassign":
			apply = func() { ip.dropletID = 0 }
		default:
			return fail(unprocessable("Action type %q is not one a reserved IP supports (assign, unassign).", str(req.body, "type")))
		}
		typ := str(req.body, "type") + "_ip"
		a := s.newAction(typ, key, ipID(ip.ip), ip.region, req.now, s.timing.ActionComplete, apply)
		return response{status: http.StatusCreated, value: map[string]any{"action": s.actionView(a, req.now)}}
	case len(req.segs) == 4 && req.segs[2] == "actions" && req.method == http.MethodGet:
		id, err := strconv.Atoi(req.segs[3])
		a, found := s.st.actions[id]
		if err != nil || !found || a.resourceID != ipID(ip.ip) {
			return fail(notFound())
		}
		return ok(map[string]any{"action": s.actionView(a, req.now)})
	}
	return fail(notFound())
}

// ipID is the resource_id DigitalOcean gives a reserved IP's actions: the address as a 32-bit number.
func ipID(ip string) int {
	n := 0
	for _, p := range strings.Split(ip, ".") {
		v, _ := strconv.Atoi(p)
		n = n<<8 | v
	}
	return n
}
