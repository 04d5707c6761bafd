package sim

import (
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"
)

// adminPrefix is the path of the simulator's own control endpoints, which no Google API uses.
const adminPrefix = "/_sim/"

// maxAdminBody bounds a control request body.
const maxAdminBody = 64 << 10

// Objects counts what a simulator holds beyond what it started with: what a program created and has not
// deleted, by kind.
type Objects struct {
	Networks          int `json:"networks"`
	Subnetworks       int `json:"subnetworks"`
	Firewalls         int `json:"firewalls"`
	Addresses         int `json:"addresses"`
	Instances         int `json:"instances"`
	Disks             int `json:"disks"`
	HealthChecks      int `json:"healthChecks"`
	HTTPHealthChecks  int `json:"httpHealthChecks"`
	TargetPools       int `json:"targetPools"`
	ForwardingRules   int `json:"forwardingRules"`
	InstanceGroups    int `json:"instanceGroups"`
	BackendServices   int `json:"backendServices"`
	URLMaps           int `json:"urlMaps"`
	TargetHTTPProxies int `json:"targetHttpProxies"`
	// TargetPoolMembers and GroupMembers count instances in target pools and instance groups.
	TargetPoolMembers int `json:"targetPoolMembers"`
	GroupMembers      int `json:"groupMembers"`
	ManagedZones      int `json:"managedZones"`
	// Records counts record sets besides each zone's own SOA and NS records.
	Records int `json:"records"`
}

// Total is the number of objects of every kind.
func (o Objects) Total() int {
	return o.Networks + o.Subnetworks + o.Firewalls + o.Addresses + o.Instances + o.Disks + o.HealthChecks + o.HTTPHealthChecks +
		o.TargetPools + o.ForwardingRules + o.InstanceGroups + o.BackendServices + o.URLMaps + o.TargetHTTPProxies +
		o.TargetPoolMembers + o.GroupMembers + o.ManagedZones + o.Records
}

// Objects counts the objects created and not deleted.
func (s *Server) Objects() Objects {
	s.mu.Lock()
	defer s.mu.Unlock()
	var o Objects
	counters := map[string]*int{"networks": &o.Networks, "subnetworks": &o.Subnetworks, "firewalls": &o.Firewalls, "addresses": &o.Addresses,
		"instances": &o.Instances, "disks": &o.Disks, "healthChecks": &o.HealthChecks, "httpHealthChecks": &o.HTTPHealthChecks,
		"targetPools": &o.TargetPools, "forwardingRules": &o.ForwardingRules, "instanceGroups": &o.InstanceGroups,
		"backendServices": &o.BackendServices, "urlMaps": &o.URLMaps, "targetHttpProxies": &o.TargetHTTPProxies}
	for _, ob := range s.st.objects {
		if ob.builtin {
			continue
		}
		if n := counters[ob.coll.segment]; n != nil {
			*n++
		}
		o.TargetPoolMembers += len(listOf(ob.data["instances"])) * boolInt(ob.coll.segment == "targetPools")
		o.GroupMembers += len(ob.members)
	}
	for _, z := range s.st.zones {
		o.ManagedZones++
		for _, r := range z.records {
			if !(r["name"] == z.data["dnsName"] && (r["type"] == "SOA" || r["type"] == "NS")) {
				o.Records++
			}
		}
	}
	return o
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Instance is an instance as the simulator's Go API reports it.
type Instance struct {
	// Path is the instance's path, projects/P/zones/Z/instances/NAME: the gcp provider's ID of it.
	Path   string
	Status string
	Labels map[string]string
}

// Instances lists the instances, in creation order.
func (s *Server) Instances() []Instance {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceLocked(s.opts.Now())
	var out []Instance
	for _, o := range sortedObjects(s.st.objects, func(o *object) bool { return o.coll.segment == "instances" }) {
		labels := map[string]string{}
		for k, v := range mapOf(o.data["labels"]) {
			labels[k], _ = v.(string)
		}
		st, _ := o.data["status"].(string)
		out = append(out, Instance{Path: o.path, Status: st, Labels: labels})
	}
	return out
}

func mapOf(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// Reset forgets everything a program created.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st = newWorld(s.opts.Projects, s.opts.Regions, s.opts.Now())
}

// Status is what GET /_sim/status reports.
type Status struct {
	Projects []string `json:"projects"`
	Regions  []string `json:"regions"`
	Objects  Objects  `json:"objects"`
	// Paths lists the paths of the objects a program created, sorted.
	Paths  []string `json:"paths"`
	Faults Faults   `json:"faults"`
	Stats  Stats    `json:"stats"`
}

// Status reports the simulator's objects, faults and request counts.
func (s *Server) Status() Status {
	st := Status{Projects: s.Projects(), Regions: s.Regions(), Objects: s.Objects(), Faults: s.Faults(), Stats: s.Stats(), Paths: []string{}}
	s.mu.Lock()
	for _, o := range s.st.objects {
		if !o.builtin {
			st.Paths = append(st.Paths, o.path)
		}
	}
	for k := range s.st.zones {
		p, z, _ := strings.Cut(k, "/")
		st.Paths = append(st.Paths, "dns/projects/"+p+"/managedZones/"+z)
	}
	s.mu.Unlock()
	sort.Strings(st.Paths)
	return st
}

// decodeFaults reads a JSON fault setting; fields it does not name keep the values of base.
func decodeFaults(body []byte, base Faults) (Faults, error) {
	f := base
	if err := json.Unmarshal(body, &f); err != nil {
		return Faults{}, err
	}
	return f, f.Validate()
}

// serveAdmin implements the control endpoints:
//
//	GET  /_sim/status   the objects held, the faults injected and the requests served, as JSON
//	GET  /_sim/faults   the faults injected
//	PUT  /_sim/faults   change them: a JSON object with any of throttle, errors, latency, latencyJitter,
//	                    slowOperations, notFoundWindow (fields left out keep their value)
//	POST /_sim/reset    forget every object a program created
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	reply := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(v)
	}
	bad := func(status int, msg string) { reply(status, map[string]string{"error": msg}) }
	switch r.URL.Path {
	case adminPrefix + "status":
		if r.Method != http.MethodGet {
			bad(http.StatusMethodNotAllowed, "use GET")
			return
		}
		reply(http.StatusOK, s.Status())
	case adminPrefix + "faults":
		switch r.Method {
		case http.MethodGet:
			reply(http.StatusOK, s.Faults())
		case http.MethodPut, http.MethodPost:
			body, err := io.ReadAll(io.LimitReader(r.Body, maxAdminBody))
			if err != nil {
				bad(http.StatusBadRequest, "cannot read the body")
				return
			}
			f, err := decodeFaults(body, s.Faults())
			if err == nil {
				err = s.SetFaults(f)
			}
			if err != nil {
				bad(http.StatusBadRequest, err.Error())
				return
			}
			s.logf("faults set: %s", f)
			reply(http.StatusOK, s.Faults())
		default:
			bad(http.StatusMethodNotAllowed, "use GET or PUT")
		}
	case adminPrefix + "reset":
		if r.Method != http.MethodPost {
			bad(http.StatusMethodNotAllowed, "use POST")
			return
		}
		s.Reset()
		reply(http.StatusOK, map[string]string{"reset": time.Now().UTC().Format(time.RFC3339)})
	default:
		bad(http.StatusNotFound, "unknown control endpoint; see GET /_sim/status, GET|PUT /_sim/faults, POST /_sim/reset")
	}
}
