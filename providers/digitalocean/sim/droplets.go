package sim

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// droplet is one simulated droplet.
type droplet struct {
	id                     int
	name, region, sizeSlug string
	img                    image
	tags                   []string
	userData               string
	ipv6, backups          bool
	monitoring             bool
	vpcUUID                string
	created, activeAt      time.Time
	// status is what the droplet is once active: "active", or "off" after a power off.
	status string
	// upSince is when the droplet last came up (became active, was powered on, rebooted or rebuilt): load
	// balancer health checks pass Timing.HealthyAfter later.
	upSince time.Time
	// publicIP, privateIP and publicIPv6 are assigned at create and shown once the droplet is active.
	publicIP, privateIP, publicIPv6 string
	locked                          bool
}

func (d *droplet) statusAt(now time.Time) string {
	if now.Before(d.activeAt) {
		return "new"
	}
	return d.status
}

func (s *Server) dropletView(d *droplet, now time.Time) map[string]any {
	z, _ := findSize(d.sizeSlug)
	features := []string{"private_networking"}
	if d.ipv6 {
		features = append(features, "ipv6")
	}
	if d.backups {
		features = append(features, "backups")
	}
	if d.monitoring {
		features = append(features, "monitoring")
	}
	networks := map[string]any{"v4": []any{}, "v6": []any{}}
	if st := d.statusAt(now); st != "new" {
		networks["v4"] = []any{
			map[string]any{"ip_address": d.privateIP, "netmask": "255.255.240.0", "gateway": "", "type": "private"},
			map[string]any{"ip_address": d.publicIP, "netmask": "255.255.240.0", "gateway": publicGateway(d.publicIP), "type": "public"},
		}
		if d.ipv6 {
			networks["v6"] = []any{map[string]any{"ip_address": d.publicIPv6, "netmask": 64, "gateway": "2604:a880:400:d1::1", "type": "public"}}
		}
	}
	// The description has next_backup_window required and not nullable, so it is always the next day's window.
	day := d.created.UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	backupWindow := map[string]any{"start": timestamp(day), "end": timestamp(day.Add(23 * time.Hour))}
	return map[string]any{"id": d.id, "name": d.name, "memory": z.memory, "vcpus": z.vcpus, "disk": z.disk, "locked": d.locked,
		"status": d.statusAt(now), "kernel": nil, "created_at": timestamp(d.created), "features": features, "backup_ids": []int{},
		"next_backup_window": backupWindow, "snapshot_ids": []int{}, "image": s.imageView(d.img), "volume_ids": []string{},
		"size": s.sizeView(z), "size_slug": d.sizeSlug, "networks": networks, "region": s.regionView(d.region), "tags": orEmpty(d.tags),
		"vpc_uuid":  d.vpcUUID,
		"disk_info": []any{map[string]any{"type": "local", "size": map[string]any{"amount": z.disk, "unit": "gib"}}}}
}

func orEmpty(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func publicGateway(ip string) string {
	for i := len(ip) - 1; i >= 0; i-- {
		if ip[i] == '.' {
			return ip[:i] + ".1"
		}
	}
	return ip
}

// dropletName is what DigitalOcean accepts as a droplet name: a hostname.
var dropletName = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,251}[a-zA-Z0-9])?$`)

// tagName is what DigitalOcean accepts as a tag: letters, digits, colons, dashes and underscores.
var tagName = regexp.MustCompile(`^[a-zA-Z0-9_\-:]{1,255}$`)

// dropletsRoute serves /v2/droplets, /v2/droplets/{id}, /v2/droplets/{id}/actions[/{action_id}] and
// /v2/droplets/actions?tag_name=.
func (s *Server) dropletsRoute(req *request) response {
	switch {
	case len(req.segs) == 1 && req.method == http.MethodGet:
		return s.listDroplets(req)
	case len(req.segs) == 1 && req.method == http.MethodPost:
		return s.createDroplets(req)
	case len(req.segs) == 1 && req.method == http.MethodDelete:
		t := req.param("tag_name")
		if t == "" {
			return fail(unprocessable("tag_name is required to delete droplets by tag"))
		}
		for _, d := range sorted(s.st.droplets, dropletSeq) {
			if slices.Contains(d.tags, t) {
				s.deleteDroplet(d)
			}
		}
		return noContent()
	case len(req.segs) == 2 && req.segs[1] == "actions" && req.method == http.MethodPost:
		return s.tagActions(req)
	}
	if len(req.segs) < 2 {
		return fail(notFound())
	}
	id, err := strconv.Atoi(req.segs[1])
	if err != nil {
		return fail(notFound())
	}
	d, found := s.st.droplets[id]
	if !found {
		return fail(notFound())
	}
	switch {
	case len(req.segs) == 2 && req.method == http.MethodGet:
		if s.fresh(d.created, req.now) {
			return fail(notFound())
		}
		return ok(map[string]any{"droplet": s.dropletView(d, req.now)})
	case len(req.segs) == 2 && req.method == http.MethodDelete:
		s.deleteDroplet(d)
		return noContent()
	case len(req.segs) == 3 && req.segs[2] == "actions" && req.method == http.MethodGet:
		var out []any
		for _, a := range sorted(s.st.actions, actionSeq) {
			if a.resourceType == "droplet" && a.resourceID == id {
				out = append(out, s.actionView(a, req.now))
			}
		}
		return s.page(req, "actions", out)
	case len(req.segs) == 3 && req.segs[2] == "actions" && req.method == http.MethodPost:
		a, e := s.dropletAction(d, req.body, req.now)
		if e != nil {
			return fail(e)
		}
		return response{status: http.StatusCreated, value: map[string]any{"action": s.actionView(a, req.now)}}
	case len(req.segs) == 4 && req.segs[2] == "actions" && req.method == http.MethodGet:
		aid, err := strconv.Atoi(req.segs[3])
		a, found := s.st.actions[aid]
		if err != nil || !found || a.resourceID != id {
			return fail(notFound())
		}
		return ok(map[string]any{"action": s.actionView(a, req.now)})
	}
	return fail(notFound())
}

func dropletSeq(d *droplet) int { return d.id }

func (s *Server) listDroplets(req *request) response {
	var out []any
	t, name := req.param("tag_name"), req.param("name")
	for _, d := range sorted(s.st.droplets, dropletSeq) {
		if (t == "" || slices.Contains(d.tags, t)) && (name == "" || d.name == name) {
			out = append(out, s.dropletView(d, req.now))
		}
	}
	return s.page(req, "droplets", out)
}

// createDroplets serves POST /v2/droplets with name (one droplet) or names (up to ten).
func (s *Server) createDroplets(req *request) response {
	b := req.body
	names, isList := stringList(b, "names")
	if !isList {
		return fail(unprocessable("names must be a list of strings"))
	}
	single := len(names) == 0
	if single {
		names = []string{str(b, "name")}
	}
	if len(names) > 10 {
		return fail(unprocessable("You can create at most 10 Droplets at a time."))
	}
	for _, n := range names {
		if !dropletName.MatchString(n) {
			return fail(unprocessable("Name %q is not a valid hostname: use letters, digits, dots and dashes.", n))
		}
	}
	region, sizeSlug := str(b, "region"), str(b, "size")
	if region == "" {
		region = s.st.regions[0]
	}
	if !s.st.hasRegion(region) {
		return fail(unprocessable("Region %q is not available.", region))
	}
	if _, found := findSize(sizeSlug); !found {
		return fail(unprocessable("Size %q is not available in this region.", sizeSlug))
	}
	img, found := findImage(b["image"])
	if !found {
		return fail(unprocessable("You specified an invalid image for Droplet creation."))
	}
	tags, isList := stringList(b, "tags")
	if !isList {
		return fail(unprocessable("tags must be a list of strings"))
	}
	for _, t := range tags {
		if !tagName.MatchString(t) {
			return fail(unprocessable("Tag %q is not valid: use letters, digits, colons, dashes and underscores.", t))
		}
	}
	keys, isList := b["ssh_keys"].([]any)
	if b["ssh_keys"] != nil && !isList {
		return fail(unprocessable("ssh_keys must be a list of key ids or fingerprints"))
	}
	for _, k := range keys {
		if !s.hasKey(k) {
			return fail(unprocessable("SSH key %v is not on the account.", k))
		}
	}
	if len(str(b, "user_data")) > maxUserData {
		return fail(unprocessable("user_data is larger than %d bytes.", maxUserData))
	}
	vpcUUID := str(b, "vpc_uuid")
	if vpcUUID == "" {
		vpcUUID = s.st.defaultVPC(region).id
	} else if v, found := s.st.vpcs[vpcUUID]; !found || v.region != region {
		return fail(unprocessable("VPC %q does not exist in region %s.", vpcUUID, region))
	}
	var created []*droplet
	var actions []any
	for _, n := range names {
		d := &droplet{id: s.st.id(), name: n, region: region, sizeSlug: sizeSlug, img: img, tags: slices.Clone(tags), userData: str(b, "user_data"),
			ipv6: flag(b, "ipv6"), backups: flag(b, "backups"), monitoring: flag(b, "monitoring"), vpcUUID: vpcUUID, created: req.now,
			activeAt: req.now.Add(s.timing.DropletActive), status: "active"}
		d.upSince = d.activeAt
		s.st.ipSeq++
		d.publicIP = fmt.Sprintf("203.0.%d.%d", 113+s.st.ipSeq/250%10, 2+s.st.ipSeq%250)
		d.privateIP = fmt.Sprintf("10.%d.%d.%d", 100+slices.Index(s.st.regions, region), s.st.ipSeq/250%16, 2+s.st.ipSeq%250)
		d.publicIPv6 = fmt.Sprintf("2604:a880:400:d1::%x:%x", s.st.ipSeq/65536, s.st.ipSeq%65536+1)
		for _, t := range tags {
			s.ensureTag(t, req.now)
		}
		s.st.droplets[d.id] = d
		created = append(created, d)
		a := s.newAction("create", "droplet", d.id, region, req.now, s.timing.DropletActive, nil)
		actions = append(actions, map[string]any{"id": a.id, "rel": "create", "href": req.base + "/v2/actions/" + strconv.Itoa(a.id)})
	}
	links := map[string]any{"actions": actions}
	if single {
		return response{status: http.StatusAccepted, value: map[string]any{"droplet": s.dropletView(created[0], req.now), "links": links}}
	}
	var views []any
	for _, d := range created {
		views = append(views, s.dropletView(d, req.now))
	}
	return response{status: http.StatusAccepted, value: map[string]any{"droplets": views, "links": links}}
}

// deleteDroplet removes d and every reference to it: reserved IP assignments, load balancer and firewall members.
func (s *Server) deleteDroplet(d *droplet) {
	delete(s.st.droplets, d.id)
	for _, ip := range s.st.ips {
		if ip.dropletID == d.id {
			ip.dropletID = 0
		}
	}
	for _, lb := range s.st.lbs {
		lb.dropletIDs = slices.DeleteFunc(lb.dropletIDs, func(id int) bool { return id == d.id })
	}
	for _, fw := range s.st.fws {
		fw.dropletIDs = slices.DeleteFunc(fw.dropletIDs, func(id int) bool { return id == d.id })
	}
}

// dropletAction starts one action of POST /v2/droplets/{id}/actions.
func (s *Server) dropletAction(d *droplet, b map[string]any, now time.Time) (*action, *apiError) {
	typ := str(b, "type")
	if d.statusAt(now) == "new" && typ != "" {
		return nil, unprocessable("Droplet is currently being created; wait for it to become active.")
	}
	var apply func()
	done := now.Add(s.timing.ActionComplete)
	switch typ {
	case "power_off", "shutdown":
		apply = func() { d.status = "off" }
	case "power_on":
		if d.status == "active" {
			return nil, unprocessable("Droplet is already powered on.")
		}
		apply = func() { d.status, d.upSince = "active", done }
	case "reboot", "power_cycle":
		apply = func() { d.upSince = done }
	case "password_reset", "enable_private_networking", "snapshot":
		apply = func() {}
	case "enable_ipv6":
		apply = func() { d.ipv6 = true }
	case "enable_backups":
		apply = func() { d.backups = true }
	case "disable_backups":
		apply = func() { d.backups = false }
	case "change_backup_policy":
		apply = func() { d.backups = true }
	case "resize":
		slug := str(b, "size")
		if _, found := findSize(slug); !found {
			return nil, unprocessable("Size %q is not available in this region.", slug)
		}
		if d.status != "off" {
			return nil, unprocessable("Droplet must be powered off to resize.")
		}
		apply = func() { d.sizeSlug = slug }
	case "rebuild":
		img, found := findImage(b["image"])
		if !found {
			return nil, unprocessable("You specified an invalid image for the rebuild.")
		}
		apply = func() { d.img, d.status, d.upSince = img, "active", done }
	case "rename":
		n := str(b, "name")
		if !dropletName.MatchString(n) {
			return nil, unprocessable("Name %q is not a valid hostname.", n)
		}
		apply = func() { d.name = n }
	default:
		return nil, unprocessable("Action type %q is not one a droplet supports.", typ)
	}
	d.locked = true
	return s.newAction(typ, "droplet", d.id, d.region, now, s.timing.ActionComplete, func() { apply(); d.locked = false }), nil
}

// tagActions serves POST /v2/droplets/actions?tag_name=: one action per droplet carrying the tag.
func (s *Server) tagActions(req *request) response {
	t := req.param("tag_name")
	if t == "" {
		return fail(unprocessable("tag_name is required"))
	}
	var out []any
	for _, d := range sorted(s.st.droplets, dropletSeq) {
		if !slices.Contains(d.tags, t) {
			continue
		}
		a, e := s.dropletAction(d, req.body, req.now)
		if e != nil {
			return fail(e)
		}
		out = append(out, s.actionView(a, req.now))
	}
	if out == nil {
		out = []any{}
	}
	return response{status: http.StatusCreated, value: map[string]any{"actions": out}}
}

// maxUserData is DigitalOcean's limit on a droplet's user data.
const maxUserData = 64 << 10

// hasKey reports whether ref, a key id or an MD5 fingerprint, names an SSH key on the account.
func (s *Server) hasKey(ref any) bool {
	for _, k := range s.st.sshKeys {
		if f, isNum := ref.(float64); isNum && float64(k.id) == f {
			return true
		}
		if ref == k.fingerprint {
			return true
		}
	}
	return false
}

func parseNumber(s string) any {
	if n, err := strconv.Atoi(s); err == nil {
		return float64(n)
	}
	return s
}
