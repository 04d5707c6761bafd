package sim

import (
	"sort"
	"time"
)

// world is everything the simulator holds. Every field is guarded by Server.mu.
type world struct {
	region, account string
	seq             int // creation counter: listings are in creation order, as AWS's mostly are

	vpcs      map[string]*vpc
	subnets   map[string]*subnet
	images    map[string]*image
	groups    map[string]*secGroup
	instances map[string]*instance
	// clientTokens maps a RunInstances ClientToken to the reservation it made, for idempotent retries.
	clientTokens map[string]string
	// nextIP counts the private addresses handed out per subnet.
	nextIP   map[string]int
	publicIP int

	lbs       map[string]*loadBalancer // by ARN
	tgs       map[string]*targetGroup  // by ARN
	listeners map[string]*listener     // by ARN

	zones   map[string]*zone   // by ID ("Z…", without /hostedzone/)
	changes map[string]*change // by ID ("C…")
}

// object is what every simulated object has: its creation order and when it becomes visible.
type object struct {
	seq int
	// visibleAt is when calls start to find the object (its creation plus the consistency window).
	visibleAt time.Time
}

func (o object) visible(now time.Time) bool { return !now.Before(o.visibleAt) }

// newObject stamps a new object created at now with window of eventual consistency.
func (w *world) newObject(now time.Time, window time.Duration) object {
	w.seq++
	return object{seq: w.seq, visibleAt: now.Add(window)}
}

// tagMap holds an object's tags.
type tagMap map[string]string

// keys returns the tag keys in sorted order, for stable responses.
func (t tagMap) keys() []string {
	out := make([]string, 0, len(t))
	for k := range t {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (t tagMap) clone() tagMap {
	out := make(tagMap, len(t))
	for k, v := range t {
		out[k] = v
	}
	return out
}

// bySeq sorts any objects by creation order.
func bySeq[T any](m map[string]T, seq func(T) int) []T {
	out := make([]T, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return seq(out[i]) < seq(out[j]) })
	return out
}

// Objects counts what a simulator holds beyond what it started with: what a program created and has not
// deleted.
type Objects struct {
	// Instances counts instances that are not terminated (terminated ones linger, as on AWS, and are not
	// counted).
	Instances      int `json:"instances"`
	SecurityGroups int `json:"securityGroups"`
	LoadBalancers  int `json:"loadBalancers"`
	TargetGroups   int `json:"targetGroups"`
	Listeners      int `json:"listeners"`
	// Targets counts registered targets over all target groups.
	Targets     int `json:"targets"`
	HostedZones int `json:"hostedZones"`
	// Records counts record sets besides each zone's own SOA and NS records.
	Records int `json:"records"`
}

// Total is the number of objects of every kind.
func (o Objects) Total() int {
	return o.Instances + o.SecurityGroups + o.LoadBalancers + o.TargetGroups + o.Listeners + o.Targets + o.HostedZones + o.Records
}

// Objects counts the objects created and not deleted.
func (s *Server) Objects() Objects {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	s.advanceLocked(now)
	var o Objects
	for _, i := range s.st.instances {
		if i.state != stateTerminated {
			o.Instances++
		}
	}
	for _, g := range s.st.groups {
		if !g.isDefault {
			o.SecurityGroups++
		}
	}
	o.LoadBalancers = len(s.st.lbs)
	o.TargetGroups = len(s.st.tgs)
	o.Listeners = len(s.st.listeners)
	for _, tg := range s.st.tgs {
		o.Targets += len(tg.targets)
	}
	o.HostedZones = len(s.st.zones)
	for _, z := range s.st.zones {
		for _, r := range z.records {
			if !(r.name == z.name && (r.typ == "SOA" || r.typ == "NS")) {
				o.Records++
			}
		}
	}
	return o
}

// advanceLocked moves every object whose transition is due to its next state.
func (s *Server) advanceLocked(now time.Time) {
	for id, i := range s.st.instances {
		i.advance(now, s.timing)
		if i.state == stateTerminated && now.After(i.gone) {
			delete(s.st.instances, id)
		}
	}
	for _, lb := range s.st.lbs {
		if lb.state == "provisioning" && !now.Before(lb.until) {
			lb.state = "active"
		}
	}
	for _, c := range s.st.changes {
		if c.status == "PENDING" && !now.Before(c.insyncAt) {
			c.status = "INSYNC"
		}
	}
}

// Reset deletes everything a program created, keeping the default VPC, subnets, security group and images.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st = newWorld(s.opts.Region, s.opts.AccountID, s.opts.Now())
}

// Instance is an instance as the simulator's Go API reports it.
type Instance struct {
	ID    string
	State string
	Tags  map[string]string
}

// Instances lists the instances that are not terminated, in launch order.
func (s *Server) Instances() []Instance {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceLocked(s.opts.Now())
	var out []Instance
	for _, i := range bySeq(s.st.instances, func(i *instance) int { return i.seq }) {
		if i.state != stateTerminated {
			out = append(out, Instance{ID: i.id, State: i.state, Tags: i.tags.clone()})
		}
	}
	return out
}
