package sim

import "net/http"

// regionNames are the names DigitalOcean gives its regions.
var regionNames = map[string]string{"nyc1": "New York 1", "nyc2": "New York 2", "nyc3": "New York 3", "sfo1": "San Francisco 1",
	"sfo2": "San Francisco 2", "sfo3": "San Francisco 3", "ams3": "Amsterdam 3", "fra1": "Frankfurt 1", "lon1": "London 1",
	"sgp1": "Singapore 1", "tor1": "Toronto 1", "blr1": "Bangalore 1", "syd1": "Sydney 1", "atl1": "Atlanta 1"}

// size is one droplet size of the catalogue.
type size struct {
	slug                string
	memory, vcpus, disk int
	transfer            float64
	monthly             float64
	description         string
}

var sizes = []size{
	{"s-1vcpu-512mb-10gb", 512, 1, 10, 0.5, 4, "Basic"},
	{"s-1vcpu-1gb", 1024, 1, 25, 1, 6, "Basic"},
	{"s-1vcpu-2gb", 2048, 1, 50, 2, 12, "Basic"},
	{"s-2vcpu-2gb", 2048, 2, 60, 3, 18, "Basic"},
	{"s-2vcpu-4gb", 4096, 2, 80, 4, 24, "Basic"},
	{"s-4vcpu-8gb", 8192, 4, 160, 5, 48, "Basic"},
	{"c-2", 4096, 2, 25, 4, 42, "CPU-Optimized"},
	{"g-2vcpu-8gb", 8192, 2, 25, 4, 63, "General Purpose"},
}

func findSize(slug string) (size, bool) {
	for _, z := range sizes {
		if z.slug == slug {
			return z, true
		}
	}
	return size{}, false
}

// image is one public distribution image of the catalogue.
type image struct {
	id                 int
	slug, name, distro string
	minDisk            int
	gigabytes          float64
}

var images = []image{
	{171000001, "ubuntu-24-04-x64", "24.04 (LTS) x64", "Ubuntu", 7, 2.8},
	{171000002, "ubuntu-22-04-x64", "22.04 (LTS) x64", "Ubuntu", 7, 2.4},
	{171000003, "debian-12-x64", "12 x64", "Debian", 7, 1.1},
	{171000004, "debian-11-x64", "11 x64", "Debian", 7, 1.0},
	{171000005, "fedora-40-x64", "40 x64", "Fedora", 7, 1.4},
	{171000006, "rockylinux-9-x64", "9 x64", "Rocky Linux", 10, 1.6},
	{171000007, "centos-stream-9-x64", "Stream 9 x64", "CentOS", 10, 1.5},
}

func findImage(ref any) (image, bool) {
	for _, im := range images {
		switch v := ref.(type) {
		case string:
			if im.slug == v {
				return im, true
			}
		case float64:
			if float64(im.id) == v {
				return im, true
			}
		}
	}
	return image{}, false
}

func (s *Server) regionView(slug string) map[string]any {
	name := regionNames[slug]
	if name == "" {
		name = slug
	}
	var sz []string
	for _, z := range sizes {
		sz = append(sz, z.slug)
	}
	return map[string]any{"name": name, "slug": slug, "available": true, "sizes": sz,
		"features": []string{"backups", "ipv6", "metadata", "install_agent", "storage", "image_transfer"}}
}

func (s *Server) sizeView(z size) map[string]any {
	return map[string]any{"slug": z.slug, "memory": z.memory, "vcpus": z.vcpus, "disk": z.disk, "transfer": z.transfer,
		"price_monthly": z.monthly, "price_hourly": z.monthly / 672, "regions": s.st.regions, "available": true, "description": z.description,
		"disk_info": []any{map[string]any{"type": "local", "size": map[string]any{"amount": z.disk, "unit": "gib"}}}}
}

func (s *Server) imageView(im image) map[string]any {
	return map[string]any{"id": im.id, "name": im.name, "distribution": im.distro, "slug": im.slug, "public": true, "regions": s.st.regions,
		"created_at": "2024-05-01T00:00:00Z", "type": "base", "min_disk_size": im.minDisk, "size_gigabytes": im.gigabytes,
		"description": im.distro + " " + im.name, "tags": []string{}, "status": "available", "error_message": ""}
}

func (s *Server) regionsList(req *request) response {
	if req.method != http.MethodGet || len(req.segs) != 1 {
		return fail(notFound())
	}
	var out []any
	for _, r := range s.st.regions {
		out = append(out, s.regionView(r))
	}
	return s.page(req, "regions", out)
}

func (s *Server) sizesList(req *request) response {
	if req.method != http.MethodGet || len(req.segs) != 1 {
		return fail(notFound())
	}
	var out []any
	for _, z := range sizes {
		out = append(out, s.sizeView(z))
	}
	return s.page(req, "sizes", out)
}

// images serves GET /v2/images (filtered by type=distribution, private=true or tag_name) and
// GET /v2/images/{id or slug}.
func (s *Server) images(req *request) response {
	if req.method != http.MethodGet || len(req.segs) > 2 {
		return fail(notFound())
	}
	if len(req.segs) == 2 {
		var ref any = req.segs[1]
		if n, isNum := num(map[string]any{"v": parseNumber(req.segs[1])}, "v"); isNum {
			ref = float64(n)
		}
		im, found := findImage(ref)
		if !found {
			return fail(notFound())
		}
		return ok(map[string]any{"image": s.imageView(im)})
	}
	var out []any
	switch t := req.param("type"); {
	case req.param("private") == "true", req.param("tag_name") != "", t != "" && t != "distribution":
		// The catalogue holds only public distribution images: no snapshots, backups or custom images.
	default:
		for _, im := range images {
			out = append(out, s.imageView(im))
		}
	}
	return s.page(req, "images", out)
}

func (s *Server) account(req *request) response {
	if req.method != http.MethodGet || len(req.segs) != 1 {
		if len(req.segs) >= 2 && req.segs[1] == "keys" {
			return s.sshKeysRoute(&request{method: req.method, segs: append([]string{"ssh_keys"}, req.segs[2:]...), query: req.query,
				body: req.body, base: req.base, now: req.now})
		}
		return fail(notFound())
	}
	return ok(map[string]any{"account": map[string]any{"droplet_limit": 25, "floating_ip_limit": 5, "reserved_ip_limit": 5, "volume_limit": 100,
		"email": "sammy@example.com", "uuid": "b6fc3e2ba1b9aa4f1f6fd3ad03d6e2fa9b1b1c2d", "email_verified": true, "status": "active",
		"status_message": "", "team": map[string]any{"uuid": "5df3e3004a1b5bfa0f5e1f0b0e4e9f2a", "name": "Simulated team"}}})
}
