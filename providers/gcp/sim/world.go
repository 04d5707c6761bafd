package sim

import (
	"github.com/infrago/infra/internal/healthrecord"

	"encoding/base64"
	"encoding/binary"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// linkBase is the prefix of every Compute Engine selfLink, as Google writes them.
const linkBase = "https://www.googleapis.com/compute/v1/"

// world is everything the simulator holds. Every field is guarded by Server.mu.
type world struct {
	projects map[string]bool
	regions  []string
	seq      int // creation counter: lists are in creation order
	// objects are Compute Engine objects by their path ("projects/p/zones/z/instances/web").
	objects map[string]*object
	// ops are operations by their path ("projects/p/zones/z/operations/operation-...").
	ops map[string]*operation
	// requests maps a requestId to the path of the operation it started, for idempotent retries.
	requests map[string]string
	// zones are Cloud DNS managed zones by project and name.
	zones map[string]*managedZone
}

// object is one Compute Engine object: its JSON representation and its bookkeeping.
type object struct {
	path string
	coll *collection
	seq  int
	// builtin objects (catalogue entries, default networks) are not counted as a program's.
	builtin bool
	data    map[string]any
	// visibleAt is when gets start to find the object (the not-found-after-create fault).
	visibleAt time.Time
	// until is when the instance's current transition ends; next is the status it then takes.
	until time.Time
	next  string
	// members are the instances of an instance group, by link.
	members []string
	// upSince is when an instance last became RUNNING.
	upSince time.Time
	// joined is when each instance (by link) joined a target pool; health is the pool's health record.
	joined map[string]time.Time
	health healthrecord.Record[string]
}

func (w *world) nextSeq() int {
	w.seq++
	return w.seq
}

// scope is where an object lives: global, a region or a zone.
type scope struct {
	project string
	// kind is "global", "regions" or "zones"; name is the region's or zone's name ("" for global).
	kind, name string
}

func (s scope) path() string {
	if s.kind == "global" {
		return "projects/" + s.project + "/global"
	}
	return "projects/" + s.project + "/" + s.kind + "/" + s.name
}

// key is how aggregated lists name a scope ("zones/us-central1-a", "global").
func (s scope) key() string {
	if s.kind == "global" {
		return "global"
	}
	return s.kind + "/" + s.name
}

func zonesOf(region string) []string {
	return []string{region + "-a", region + "-b", region + "-c"}
}

// regionOfZone is the region a zone name belongs to ("us-central1-a" → "us-central1").
func regionOfZone(zone string) string {
	if i := strings.LastIndexByte(zone, '-'); i > 0 {
		return zone[:i]
	}
	return zone
}

func (w *world) hasZone(z string) bool {
	for _, r := range w.regions {
		for _, zz := range zonesOf(r) {
			if zz == z {
				return true
			}
		}
	}
	return false
}

func (w *world) hasRegion(r string) bool {
	for _, rr := range w.regions {
		if rr == r {
			return true
		}
	}
	return false
}

// checkScope refuses an unknown project, region or zone with Google's 404.
func (w *world) checkScope(s scope) *apiError {
	if !w.projects[s.project] && !publicImageProjects[s.project] {
		return notFound("projects/" + s.project)
	}
	switch s.kind {
	case "regions":
		if !w.hasRegion(s.name) {
			return invalid("Invalid value for field 'region': '%s'. Unknown region.", s.name)
		}
	case "zones":
		if !w.hasZone(s.name) {
			return invalid("Invalid value for field 'zone': '%s'. Unknown zone.", s.name)
		}
	}
	return nil
}

// sortedObjects returns objects in creation order.
func sortedObjects(m map[string]*object, keep func(*object) bool) []*object {
	var out []*object
	for _, o := range m {
		if keep(o) {
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

// timestamp formats t as Compute Engine does.
func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000-07:00") }

func uid(n uint64) string { return strconv.FormatUint(n, 10) }

// newWorld builds the starting world: each project's default network with a subnetwork in every region, and the
// public image and machine type catalogues.
func newWorld(projects, regions []string, now time.Time) *world {
	w := &world{projects: map[string]bool{}, regions: regions, objects: map[string]*object{}, ops: map[string]*operation{},
		requests: map[string]string{}, zones: map[string]*managedZone{}}
	var id uint64 = 1000
	add := func(path string, coll *collection, data map[string]any) {
		id++
		data["id"] = uid(id)
		data["kind"] = coll.kind
		data["selfLink"] = linkBase + path
		data["creationTimestamp"] = timestamp(now.Add(-24 * time.Hour))
		w.objects[path] = &object{path: path, coll: coll, seq: w.nextSeq(), builtin: true, data: data}
	}
	for _, p := range projects {
		w.projects[p] = true
		net := "projects/" + p + "/global/networks/default"
		add(net, collFor("global", "networks"), map[string]any{"name": "default", "autoCreateSubnetworks": true,
			"description": "Default network for the project", "routingConfig": map[string]any{"routingMode": "REGIONAL"}})
		for i, r := range regions {
			sub := "projects/" + p + "/regions/" + r + "/subnetworks/default"
			add(sub, collFor("regions", "subnetworks"), map[string]any{"name": "default", "network": linkBase + net,
				"region": linkBase + "projects/" + p + "/regions/" + r, "ipCidrRange": fmt.Sprintf("10.%d.0.0/20", 128+i),
				"gatewayAddress": fmt.Sprintf("10.%d.0.1", 128+i), "fingerprint": fingerprint(now, i), "stackType": "IPV4_ONLY"})
		}
	}
	for _, img := range imageCatalogue {
		path := "projects/" + img.project + "/global/images/" + img.name
		add(path, collFor("global", "images"), map[string]any{"name": img.name, "family": img.family, "status": "READY",
			"architecture": "X86_64", "diskSizeGb": "10", "description": img.description,
			"creationTimestamp": img.created})
		w.objects[path].data["creationTimestamp"] = img.created
	}
	return w
}

// image is a public image of the catalogue.
type image struct{ project, name, family, description, created string }

// imageCatalogue is the public images the simulator knows; in each family the newest is the family's image.
var imageCatalogue = []image{
	{"debian-cloud", "debian-12-bookworm-v20240515", "debian-12", "Debian, Debian GNU/Linux, 12 (bookworm), amd64 built on 20240515", "2024-05-15T10:00:00.000-07:00"},
	{"debian-cloud", "debian-12-bookworm-v20240611", "debian-12", "Debian, Debian GNU/Linux, 12 (bookworm), amd64 built on 20240611", "2024-06-11T10:00:00.000-07:00"},
	{"debian-cloud", "debian-11-bullseye-v20240611", "debian-11", "Debian, Debian GNU/Linux, 11 (bullseye), amd64 built on 20240611", "2024-06-11T09:00:00.000-07:00"},
	{"ubuntu-os-cloud", "ubuntu-2204-jammy-v20240607", "ubuntu-2204-lts", "Canonical, Ubuntu, 22.04 LTS, amd64 jammy image built on 2024-06-07", "2024-06-07T10:00:00.000-07:00"},
	{"ubuntu-os-cloud", "ubuntu-2404-noble-amd64-v20240607", "ubuntu-2404-lts-amd64", "Canonical, Ubuntu, 24.04 LTS, amd64 noble image built on 2024-06-07", "2024-06-07T11:00:00.000-07:00"},
}

// publicImageProjects are the projects of the image catalogue, which anyone may read.
var publicImageProjects = map[string]bool{"debian-cloud": true, "ubuntu-os-cloud": true}

// machineTypes are the machine types of every zone: guest CPUs and memory in MB.
var machineTypes = map[string][2]int{
	"e2-micro": {2, 1024}, "e2-small": {2, 2048}, "e2-medium": {2, 4096}, "e2-standard-2": {2, 8192},
	"e2-standard-4": {4, 16384}, "n2-standard-2": {2, 8192}, "n2-standard-4": {4, 16384},
}

// fingerprint is an opaque fingerprint (base64 of 8 bytes, as Google's are).
func fingerprint(t time.Time, salt int) string {
	n := uint64(t.UnixNano()) ^ uint64(salt)*0x9e3779b97f4a7c15
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	return base64.StdEncoding.EncodeToString(b[:])
}
