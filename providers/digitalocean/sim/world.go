package sim

import (
	"fmt"
	"slices"
	"time"
)

// world is everything a simulator holds. Its fields are guarded by Server.mu.
type world struct {
	regions []string
	nextID  int
	// ipSeq numbers the addresses handed out, so that no two are the same.
	ipSeq int

	droplets map[int]*droplet
	actions  map[int]*action
	vpcs     map[string]*vpc
	sshKeys  map[int]*sshKey
	tags     map[string]*tag
	ips      map[string]*reservedIP
	lbs      map[string]*loadBalancer
	fws      map[string]*firewall
	domains  map[string]*domain
}

func newWorld(regions []string, now time.Time, rng *faultRNG) *world {
	w := &world{regions: regions, nextID: 100000000, droplets: map[int]*droplet{}, actions: map[int]*action{}, vpcs: map[string]*vpc{},
		sshKeys: map[int]*sshKey{}, tags: map[string]*tag{}, ips: map[string]*reservedIP{}, lbs: map[string]*loadBalancer{},
		fws: map[string]*firewall{}, domains: map[string]*domain{}}
	for i, r := range regions {
		v := &vpc{id: rng.uuid(), name: "default-" + r, region: r, ipRange: fmt.Sprintf("10.%d.0.0/20", 100+i), isDefault: true, created: now,
			seq: w.id()}
		w.vpcs[v.id] = v
	}
	return w
}

// id returns the next numeric identifier; every kind draws from one counter, so an id names one object.
func (w *world) id() int {
	w.nextID++
	return w.nextID
}

func (w *world) hasRegion(slug string) bool { return slices.Contains(w.regions, slug) }

func (w *world) defaultVPC(region string) *vpc {
	for _, v := range w.vpcs {
		if v.isDefault && v.region == region {
			return v
		}
	}
	return nil
}

// sorted returns the values of m ordered by key.
func sorted[K comparable, V any](m map[K]V, seq func(V) int) []V {
	out := make([]V, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b V) int { return seq(a) - seq(b) })
	return out
}

// routes maps a path's first segment after /v2/ to its handler.
func (s *Server) routes() map[string]func(*request) response {
	return map[string]func(*request) response{
		"account":        s.account,
		"regions":        s.regionsList,
		"sizes":          s.sizesList,
		"images":         s.images,
		"droplets":       s.dropletsRoute,
		"actions":        s.actionsRoute,
		"vpcs":           s.vpcsRoute,
		"ssh_keys":       s.sshKeysRoute,
		"tags":           s.tagsRoute,
		"reserved_ips":   s.reservedIPsRoute,
		"floating_ips":   s.reservedIPsRoute,
		"load_balancers": s.loadBalancersRoute,
		"firewalls":      s.firewallsRoute,
		"domains":        s.domainsRoute,
		"monitoring":     s.monitoringRoute,
	}
}

// fresh reports whether an object created at created is still inside the not-found-after-create window.
func (s *Server) fresh(created, now time.Time) bool {
	return now.Sub(created) < time.Duration(s.faults.NotFoundAfterCreate)
}
