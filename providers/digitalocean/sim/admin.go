package sim

import (
	"encoding/json"
	"net/http"
	"slices"

	"github.com/infrago/infra/internal/simserve"
)

// adminPrefix is the path of the simulator's own control endpoints, which DigitalOcean's API does not use.
const adminPrefix = simserve.ControlPrefix

// Objects counts what a simulator holds beyond what it started with: what a program created and has not
// deleted, by kind.
type Objects struct {
	Droplets      int `json:"droplets"`
	ReservedIPs   int `json:"reservedIPs"`
	LoadBalancers int `json:"loadBalancers"`
	Firewalls     int `json:"firewalls"`
	// VPCs leaves out each region's default VPC.
	VPCs    int `json:"vpcs"`
	SSHKeys int `json:"sshKeys"`
	Tags    int `json:"tags"`
	Domains int `json:"domains"`
	// DomainRecords leaves out the NS and SOA records a domain gets by itself.
	DomainRecords int `json:"domainRecords"`
}

// Total is the number of objects of every kind.
func (o Objects) Total() int {
	return o.Droplets + o.ReservedIPs + o.LoadBalancers + o.Firewalls + o.VPCs + o.SSHKeys + o.Tags + o.Domains + o.DomainRecords
}

// Objects counts the objects created and not deleted.
func (s *Server) Objects() Objects {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := Objects{Droplets: len(s.st.droplets), ReservedIPs: len(s.st.ips), LoadBalancers: len(s.st.lbs), Firewalls: len(s.st.fws),
		SSHKeys: len(s.st.sshKeys), Tags: len(s.st.tags), Domains: len(s.st.domains)}
	for _, v := range s.st.vpcs {
		if !v.isDefault {
			o.VPCs++
		}
	}
	for _, d := range s.st.domains {
		for _, r := range d.records {
			if !r.builtin {
				o.DomainRecords++
			}
		}
	}
	return o
}

// Droplet is a droplet as the simulator's Go API reports it.
type Droplet struct {
	ID       int
	Name     string
	Status   string
	Tags     []string
	UserData string
}

// Droplets lists the droplets, in creation order.
func (s *Server) Droplets() []Droplet {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	s.advanceLocked(now)
	var out []Droplet
	for _, d := range sorted(s.st.droplets, dropletSeq) {
		out = append(out, Droplet{ID: d.id, Name: d.name, Status: d.statusAt(now), Tags: slices.Clone(d.tags), UserData: d.userData})
	}
	return out
}

// Reset forgets everything a program created.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st = newWorld(s.opts.Regions, s.opts.Now(), s.rng)
}

// Status is what GET /_sim/status reports.
type Status struct {
	Regions []string `json:"regions"`
	Objects Objects  `json:"objects"`
	Faults  Faults   `json:"faults"`
	Stats   Stats    `json:"stats"`
}

// Status reports the simulator's objects, faults and request counts.
func (s *Server) Status() Status {
	return Status{Regions: s.Regions(), Objects: s.Objects(), Faults: s.Faults(), Stats: s.Stats()}
}

// decodeFaults reads a JSON fault setting; fields it does not name keep the values of base.
func decodeFaults(body []byte, base Faults) (Faults, error) {
	f := base
	if err := json.Unmarshal(body, &f); err != nil {
		return Faults{}, err
	}
	return f, f.Validate()
}

// serveAdmin implements the control endpoints (see simserve.ServeControl); PUT /_sim/faults takes a JSON object
// with any of rateLimit, retryAfter, errors, latency, latencyJitter and notFoundAfterCreate.
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	simserve.ServeControl(w, r, simserve.Control{
		Status: func() any { return s.Status() },
		Faults: func() any { return s.Faults() },
		SetFaults: func(body []byte) (any, error) {
			f, err := decodeFaults(body, s.Faults())
			if err == nil {
				err = s.SetFaults(f)
			}
			return f, err
		},
		Reset: s.Reset,
		Log:   s.opts.Log,
	})
}
