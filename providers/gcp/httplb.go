package gcp

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"cloud.google.com/go/compute/apiv1/computepb"
	"google.golang.org/protobuf/proto"

	"github.com/infrago/infra/sdk/provider"
)

const backendServiceDoc = "A global backend service of the global HTTP load balancer: the instance groups it sends requests " +
	"to, on the port their named port portName names, and the health checks that tell which instances take them. " +
	"Every field but name and project changes in place (an update naming the service's fingerprint); those replace it. " +
	"Backend services carry no labels, so a create cut off by a crash is found again by the operation its requestId " +
	"started. Import it by its path, projects/P/global/backendServices/NAME."

// Backend is an instance group a backend service sends requests to.
type Backend struct {
	Group              string   `infra:"group" doc:"The instance group, by path (a gcp:compute:InstanceGroup's ID) or self link."`
	BalancingMode      string   `infra:"balancingMode" default:"UTILIZATION" doc:"UTILIZATION (by the instances' CPU) or RATE (by requests per second; give maxRatePerInstance)."`
	MaxRatePerInstance *float64 `infra:"maxRatePerInstance" doc:"The requests per second an instance takes at most, with balancingMode RATE."`
}

// Doc describes Backend in the schema.
func (Backend) Doc() string {
	return "A backend of a backend service: an instance group and how it is balanced."
}

// BackendServiceArgs are the inputs of gcp:compute:BackendService.
type BackendServiceArgs struct {
	Name         *string   `infra:"name,replace" doc:"The service's name. Unset: derived from the resource's name with a random suffix."`
	Project      *string   `infra:"project,replace" doc:"The project. Unset: the provider's project."`
	Description  *string   `infra:"description" doc:"A description of the service."`
	Protocol     string    `infra:"protocol" default:"HTTP" doc:"The protocol spoken to the backends: HTTP or HTTPS."`
	PortName     string    `infra:"portName" default:"http" doc:"The named port of the backends' instance groups requests go to."`
	TimeoutSec   int       `infra:"timeoutSec" default:"30" doc:"Seconds a backend may take to answer a request."`
	HealthChecks []string  `infra:"healthChecks" doc:"The health check of the backends (exactly one), by path such as a gcp:compute:HealthCheck's ID."`
	Backends     []Backend `infra:"backends" doc:"The instance groups requests go to."`
}

// BackendServiceState are the outputs of gcp:compute:BackendService.
type BackendServiceState struct {
	BackendServiceArgs
	SelfLink string `infra:"selfLink" doc:"The service's URL, which a URL map names."`
}

type backendServiceResource struct{ p *gcpProvider }

// Check names the service and validates what the schema cannot.
func (r *backendServiceResource) Check(_ context.Context, req provider.CheckRequest[BackendServiceArgs]) (BackendServiceArgs, []provider.CheckFailure, error) {
	in := req.Inputs
	if err := checkAutoName(req.URN, &req.OldInputs, &in, func(a *BackendServiceArgs) **string { return &a.Name }); err != nil {
		return in, nil, err
	}
	var fs []provider.CheckFailure
	fail := func(p, format string, args ...any) {
		fs = append(fs, provider.CheckFailure{Property: p, Reason: fmt.Sprintf(format, args...)})
	}
	if m := checkName("name", *in.Name); m != nil {
		fail("name", "%s", *m)
	}
	if in.Protocol != "HTTP" && in.Protocol != "HTTPS" {
		fail("protocol", "protocol %q is not HTTP or HTTPS", in.Protocol)
	}
	if in.TimeoutSec < 1 || in.TimeoutSec > 86400 {
		fail("timeoutSec", "timeoutSec %d is not between 1 and 86400", in.TimeoutSec)
	}
	if len(in.HealthChecks) != 1 {
		fail("healthChecks", "a backend service with instance group backends takes exactly one health check, not %d", len(in.HealthChecks))
	}
	for i := range in.Backends {
		// The schema's default does not reach the fields of list elements.
		if in.Backends[i].BalancingMode == "" {
			in.Backends[i].BalancingMode = "UTILIZATION"
		}
		b := in.Backends[i]
		p := fmt.Sprintf("backends[%d]", i)
		if _, err := parseID(b.Group, "zones", "instanceGroups"); err != nil {
			fail(p+".group", "group: %s", err)
		}
		switch {
		case b.BalancingMode != "UTILIZATION" && b.BalancingMode != "RATE":
			fail(p+".balancingMode", "balancingMode %q is not UTILIZATION or RATE", b.BalancingMode)
		case b.BalancingMode == "RATE" && b.MaxRatePerInstance == nil:
			fail(p+".maxRatePerInstance", "balancingMode RATE needs maxRatePerInstance")
		}
	}
	return in, fs, nil
}

// Diff treats an unset project as unchanged, and references spelled differently as the same.
func (r *backendServiceResource) Diff(_ context.Context, req provider.DiffRequest[BackendServiceArgs, BackendServiceState]) (provider.DiffResponse, error) {
	news := req.Inputs
	news.HealthChecks = keepRefs(req.OldInputs.HealthChecks, news.HealthChecks)
	news.Backends = keepGroups(req.OldInputs.Backends, news.Backends)
	return provider.DiffStructs(req.OldInputs, news, "project")
}

// float32To64 is the float64 a float32 field was written from: 0.1 stays 0.1 rather than 0.10000000149011612, so
// that a rate reads back as the program gave it.
func float32To64(f float32) float64 {
	v, err := strconv.ParseFloat(strconv.FormatFloat(float64(f), 'g', -1, 32), 64)
	if err != nil {
		return float64(f)
	}
	return v
}

// keepGroups is backends with each group spelled as in old where it names the same group.
func keepGroups(old, backends []Backend) []Backend {
	if len(old) != len(backends) {
		return backends
	}
	out := make([]Backend, len(backends))
	for i, b := range backends {
		if sameRef(b.Group, old[i].Group) {
			b.Group = old[i].Group
		}
		out[i] = b
	}
	return out
}

func backendServicePB(in BackendServiceArgs) *computepb.BackendService {
	bs := &computepb.BackendService{Name: in.Name, Description: in.Description, Protocol: proto.String(in.Protocol),
		PortName: proto.String(in.PortName), TimeoutSec: proto.Int32(int32(in.TimeoutSec)), HealthChecks: in.HealthChecks,
		LoadBalancingScheme: proto.String("EXTERNAL")}
	for _, b := range in.Backends {
		pb := &computepb.Backend{Group: proto.String(b.Group), BalancingMode: proto.String(b.BalancingMode)}
		if b.MaxRatePerInstance != nil {
			pb.MaxRatePerInstance = proto.Float32(float32(*b.MaxRatePerInstance))
		}
		bs.Backends = append(bs.Backends, pb)
	}
	if bs.Description == nil {
		bs.Description = proto.String("")
	}
	return bs
}

// Create inserts the service.
func (r *backendServiceResource) Create(ctx context.Context, req provider.CreateRequest[BackendServiceArgs]) (provider.CreateResponse[BackendServiceState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.CreateResponse[BackendServiceState]{}, err
	}
	in := req.Inputs
	project, err := c.needProject(in.Project)
	if err != nil {
		return provider.CreateResponse[BackendServiceState]{}, err
	}
	op, err := c.backendServices.Insert(ctx, &computepb.InsertBackendServiceRequest{Project: project, BackendServiceResource: backendServicePB(in),
		RequestId: proto.String(requestID(req.IdempotencyToken))}, c.retry)
	if err != nil {
		return provider.CreateResponse[BackendServiceState]{}, fmt.Errorf("insert backend service %s: %w", *in.Name, err)
	}
	id := objectID{project: project, name: *in.Name}.path("global", "backendServices")
	if err := c.wait(ctx, op, "backend service "+id); err != nil {
		return provider.CreateResponse[BackendServiceState]{}, err
	}
	resp, err := r.read(ctx, c, id, &in, true)
	if err != nil || resp.ID == "" {
		return provider.CreateResponse[BackendServiceState]{ID: id, Outputs: BackendServiceState{BackendServiceArgs: in}}, notVisible(id, err)
	}
	return provider.CreateResponse[BackendServiceState]{ID: id, Outputs: resp.Outputs}, nil
}

func (r *backendServiceResource) get(ctx context.Context, c *clients, oid objectID, wait bool) (*computepb.BackendService, error) {
	return getRetrying(ctx, c, func() (*computepb.BackendService, error) {
		return c.backendServices.Get(ctx, &computepb.GetBackendServiceRequest{Project: oid.project, BackendService: oid.name}, c.retry)
	}, !wait)
}

func (r *backendServiceResource) read(ctx context.Context, c *clients, id string, old *BackendServiceArgs, wait bool) (provider.ReadResponse[BackendServiceArgs, BackendServiceState], error) {
	oid, err := parseID(id, "global", "backendServices")
	if err != nil {
		return provider.ReadResponse[BackendServiceArgs, BackendServiceState]{}, err
	}
	bs, err := r.get(ctx, c, oid, wait)
	if err != nil || bs == nil {
		return provider.ReadResponse[BackendServiceArgs, BackendServiceState]{}, wrapRead(id, err)
	}
	in := BackendServiceArgs{Name: proto.String(bs.GetName()), Project: proto.String(oid.project), Description: optStr(bs.GetDescription()),
		Protocol: bs.GetProtocol(), PortName: bs.GetPortName(), TimeoutSec: int(bs.GetTimeoutSec()), HealthChecks: keepRefs(nil, bs.GetHealthChecks())}
	for _, b := range bs.GetBackends() {
		nb := Backend{Group: rel(b.GetGroup()), BalancingMode: b.GetBalancingMode()}
		if b.MaxRatePerInstance != nil {
			nb.MaxRatePerInstance = proto.Float64(float32To64(b.GetMaxRatePerInstance()))
		}
		in.Backends = append(in.Backends, nb)
	}
	if old != nil {
		in.Project = keepIfSet(old.Project, in.Project)
		in.HealthChecks = keepRefs(old.HealthChecks, bs.GetHealthChecks())
		in.Backends = keepGroups(old.Backends, in.Backends)
	}
	return provider.ReadResponse[BackendServiceArgs, BackendServiceState]{ID: id, Inputs: in, Outputs: BackendServiceState{BackendServiceArgs: in, SelfLink: bs.GetSelfLink()}}, nil
}

// Read reads the service for refresh and import.
func (r *backendServiceResource) Read(ctx context.Context, req provider.ReadRequest[BackendServiceArgs, BackendServiceState]) (provider.ReadResponse[BackendServiceArgs, BackendServiceState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.ReadResponse[BackendServiceArgs, BackendServiceState]{}, err
	}
	return r.read(ctx, c, req.ID, oldOf(req.Import, &req.Inputs), false)
}

// Lookup finds the service a cut-off create made by the operation its requestId started.
func (r *backendServiceResource) Lookup(ctx context.Context, req provider.LookupRequest[BackendServiceArgs]) (provider.ReadResponse[BackendServiceArgs, BackendServiceState], error) {
	return lookupByOperation(ctx, r.p, req.URN, req.IdempotencyToken, r.read)
}

// Update replaces the service's fields (PUT), naming the fingerprint it read so that a concurrent change is not
// overwritten unseen.
func (r *backendServiceResource) Update(ctx context.Context, req provider.UpdateRequest[BackendServiceArgs, BackendServiceState]) (provider.UpdateResponse[BackendServiceState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.UpdateResponse[BackendServiceState]{}, err
	}
	oid, err := parseID(req.ID, "global", "backendServices")
	if err != nil {
		return provider.UpdateResponse[BackendServiceState]{}, err
	}
	in := req.Inputs
	in.Name = proto.String(oid.name)
	err = withFingerprint(ctx, c, "backend service "+req.ID, func() (*computeOp, error) {
		cur, err := r.get(ctx, c, oid, false)
		if err != nil || cur == nil {
			return nil, notVisible(req.ID, err)
		}
		bs := backendServicePB(in)
		bs.Fingerprint = cur.Fingerprint
		return c.backendServices.Update(ctx, &computepb.UpdateBackendServiceRequest{Project: oid.project, BackendService: oid.name,
			BackendServiceResource: bs, RequestId: proto.String(newRequestID())}, c.retry)
	})
	if err != nil {
		return provider.UpdateResponse[BackendServiceState]{}, err
	}
	resp, err := r.read(ctx, c, req.ID, &req.Inputs, true)
	if err != nil || resp.ID == "" {
		return provider.UpdateResponse[BackendServiceState]{}, notVisible(req.ID, err)
	}
	return provider.UpdateResponse[BackendServiceState]{Outputs: resp.Outputs}, nil
}

// Delete deletes the service.
func (r *backendServiceResource) Delete(ctx context.Context, req provider.DeleteRequest[BackendServiceArgs, BackendServiceState]) error {
	c, err := r.p.clients()
	if err != nil {
		return err
	}
	oid, err := parseID(req.ID, "global", "backendServices")
	if err != nil {
		return err
	}
	return c.deleteWith(ctx, req.ID, func(rid string) (*computeOp, error) {
		return c.backendServices.Delete(ctx, &computepb.DeleteBackendServiceRequest{Project: oid.project, BackendService: oid.name, RequestId: &rid}, c.retry)
	})
}

const urlMapDoc = "A URL map of the global HTTP load balancer: which backend service a request goes to. A request whose " +
	"path matches one of pathRules goes to that rule's service, any other to defaultService, whatever its host. " +
	"description, defaultService and pathRules change in place (an update naming the map's fingerprint); name and " +
	"project replace it. URL maps carry no labels, so a create cut off by a crash is found " +
	"again by the operation its requestId started. Import it by its path, projects/P/global/urlMaps/NAME."

// PathRule sends the requests for some paths to a backend service.
type PathRule struct {
	Paths   []string `infra:"paths" doc:"The paths, each starting with /, such as /api/*: a trailing * matches any rest."`
	Service string   `infra:"service" doc:"The backend service the paths go to, by path (a gcp:compute:BackendService's ID)."`
}

// Doc describes PathRule in the schema.
func (PathRule) Doc() string {
	return "A path rule of a URL map: paths and the backend service they go to."
}

// URLMapArgs are the inputs of gcp:compute:URLMap.
type URLMapArgs struct {
	Name           *string    `infra:"name,replace" doc:"The map's name. Unset: derived from the resource's name with a random suffix."`
	Project        *string    `infra:"project,replace" doc:"The project. Unset: the provider's project."`
	Description    *string    `infra:"description" doc:"A description of the map."`
	DefaultService string     `infra:"defaultService" doc:"The backend service requests go to when no path rule matches, by path (a gcp:compute:BackendService's ID)."`
	PathRules      []PathRule `infra:"pathRules" doc:"Paths that go to other backend services, for every host (one host rule * and one path matcher named paths)."`
}

// pathMatcher is the name of the one path matcher a map with path rules has.
const pathMatcher = "paths"

// URLMapState are the outputs of gcp:compute:URLMap.
type URLMapState struct {
	URLMapArgs
	SelfLink string `infra:"selfLink" doc:"The map's URL, which a target HTTP proxy names."`
}

type urlMapResource struct{ p *gcpProvider }

// Check names the map and validates its reference.
func (r *urlMapResource) Check(_ context.Context, req provider.CheckRequest[URLMapArgs]) (URLMapArgs, []provider.CheckFailure, error) {
	in := req.Inputs
	if err := checkAutoName(req.URN, &req.OldInputs, &in, func(a *URLMapArgs) **string { return &a.Name }); err != nil {
		return in, nil, err
	}
	var fs []provider.CheckFailure
	if m := checkName("name", *in.Name); m != nil {
		fs = append(fs, provider.CheckFailure{Property: "name", Reason: *m})
	}
	if _, err := parseID(in.DefaultService, "global", "backendServices"); err != nil {
		fs = append(fs, provider.CheckFailure{Property: "defaultService", Reason: "defaultService: " + err.Error()})
	}
	seen := map[string]bool{}
	for i, pr := range in.PathRules {
		prop := fmt.Sprintf("pathRules[%d]", i)
		if _, err := parseID(pr.Service, "global", "backendServices"); err != nil {
			fs = append(fs, provider.CheckFailure{Property: prop + ".service", Reason: "service: " + err.Error()})
		}
		if len(pr.Paths) == 0 {
			fs = append(fs, provider.CheckFailure{Property: prop + ".paths", Reason: "a path rule needs at least one path"})
		}
		for _, path := range pr.Paths {
			switch {
			case !strings.HasPrefix(path, "/"):
				fs = append(fs, provider.CheckFailure{Property: prop + ".paths", Reason: fmt.Sprintf("path %q does not start with /", path)})
			case strings.Contains(strings.TrimSuffix(path, "*"), "*"):
				fs = append(fs, provider.CheckFailure{Property: prop + ".paths", Reason: fmt.Sprintf("path %q has a * that is not at its end", path)})
			case seen[path]:
				fs = append(fs, provider.CheckFailure{Property: prop + ".paths", Reason: fmt.Sprintf("path %q is in two rules", path)})
			}
			seen[path] = true
		}
	}
	return in, fs, nil
}

// Diff treats an unset project as unchanged and the same service spelled differently as the same.
func (r *urlMapResource) Diff(_ context.Context, req provider.DiffRequest[URLMapArgs, URLMapState]) (provider.DiffResponse, error) {
	news := req.Inputs
	if sameRef(news.DefaultService, req.OldInputs.DefaultService) {
		news.DefaultService = req.OldInputs.DefaultService
	}
	news.PathRules = keepServices(req.OldInputs.PathRules, news.PathRules)
	return provider.DiffStructs(req.OldInputs, news, "project")
}

// keepServices is rules with each service spelled as in old where it names the same service.
func keepServices(old, rules []PathRule) []PathRule {
	if len(old) != len(rules) {
		return rules
	}
	out := make([]PathRule, len(rules))
	for i, r := range rules {
		if sameRef(r.Service, old[i].Service) {
			r.Service = old[i].Service
		}
		out[i] = r
	}
	return out
}

func urlMapPB(in URLMapArgs) *computepb.UrlMap {
	d := in.Description
	if d == nil {
		d = proto.String("")
	}
	m := &computepb.UrlMap{Name: in.Name, Description: d, DefaultService: proto.String(in.DefaultService)}
	if len(in.PathRules) > 0 {
		pm := &computepb.PathMatcher{Name: proto.String(pathMatcher), DefaultService: proto.String(in.DefaultService)}
		for _, pr := range in.PathRules {
			pm.PathRules = append(pm.PathRules, &computepb.PathRule{Paths: pr.Paths, Service: proto.String(pr.Service)})
		}
		m.HostRules = []*computepb.HostRule{{Hosts: []string{"*"}, PathMatcher: proto.String(pathMatcher)}}
		m.PathMatchers = []*computepb.PathMatcher{pm}
	}
	return m
}

// Create inserts the map.
func (r *urlMapResource) Create(ctx context.Context, req provider.CreateRequest[URLMapArgs]) (provider.CreateResponse[URLMapState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.CreateResponse[URLMapState]{}, err
	}
	in := req.Inputs
	project, err := c.needProject(in.Project)
	if err != nil {
		return provider.CreateResponse[URLMapState]{}, err
	}
	op, err := c.urlMaps.Insert(ctx, &computepb.InsertUrlMapRequest{Project: project, UrlMapResource: urlMapPB(in),
		RequestId: proto.String(requestID(req.IdempotencyToken))}, c.retry)
	if err != nil {
		return provider.CreateResponse[URLMapState]{}, fmt.Errorf("insert URL map %s: %w", *in.Name, err)
	}
	id := objectID{project: project, name: *in.Name}.path("global", "urlMaps")
	if err := c.wait(ctx, op, "URL map "+id); err != nil {
		return provider.CreateResponse[URLMapState]{}, err
	}
	resp, err := r.read(ctx, c, id, &in, true)
	if err != nil || resp.ID == "" {
		return provider.CreateResponse[URLMapState]{ID: id, Outputs: URLMapState{URLMapArgs: in}}, notVisible(id, err)
	}
	return provider.CreateResponse[URLMapState]{ID: id, Outputs: resp.Outputs}, nil
}

func (r *urlMapResource) get(ctx context.Context, c *clients, oid objectID, wait bool) (*computepb.UrlMap, error) {
	return getRetrying(ctx, c, func() (*computepb.UrlMap, error) {
		return c.urlMaps.Get(ctx, &computepb.GetUrlMapRequest{Project: oid.project, UrlMap: oid.name}, c.retry)
	}, !wait)
}

func (r *urlMapResource) read(ctx context.Context, c *clients, id string, old *URLMapArgs, wait bool) (provider.ReadResponse[URLMapArgs, URLMapState], error) {
	oid, err := parseID(id, "global", "urlMaps")
	if err != nil {
		return provider.ReadResponse[URLMapArgs, URLMapState]{}, err
	}
	m, err := r.get(ctx, c, oid, wait)
	if err != nil || m == nil {
		return provider.ReadResponse[URLMapArgs, URLMapState]{}, wrapRead(id, err)
	}
	in := URLMapArgs{Name: proto.String(m.GetName()), Project: proto.String(oid.project), Description: optStr(m.GetDescription()),
		DefaultService: rel(m.GetDefaultService())}
	// The rules of every path matcher read back: a map changed behind the provider's back into more host rules
	// than the one * shows its rules, and the next update puts the one matcher back.
	for _, pm := range m.GetPathMatchers() {
		for _, pr := range pm.GetPathRules() {
			in.PathRules = append(in.PathRules, PathRule{Paths: pr.GetPaths(), Service: rel(pr.GetService())})
		}
	}
	if old != nil {
		in.Project = keepIfSet(old.Project, in.Project)
		in.DefaultService = str(keepRef(&old.DefaultService, m.GetDefaultService()))
		in.PathRules = keepServices(old.PathRules, in.PathRules)
	}
	return provider.ReadResponse[URLMapArgs, URLMapState]{ID: id, Inputs: in, Outputs: URLMapState{URLMapArgs: in, SelfLink: m.GetSelfLink()}}, nil
}

// Read reads the map for refresh and import.
func (r *urlMapResource) Read(ctx context.Context, req provider.ReadRequest[URLMapArgs, URLMapState]) (provider.ReadResponse[URLMapArgs, URLMapState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.ReadResponse[URLMapArgs, URLMapState]{}, err
	}
	return r.read(ctx, c, req.ID, oldOf(req.Import, &req.Inputs), false)
}

// Lookup finds the map a cut-off create made by the operation its requestId started.
func (r *urlMapResource) Lookup(ctx context.Context, req provider.LookupRequest[URLMapArgs]) (provider.ReadResponse[URLMapArgs, URLMapState], error) {
	return lookupByOperation(ctx, r.p, req.URN, req.IdempotencyToken, r.read)
}

// Update replaces the map's fields (PUT) with the fingerprint it read.
func (r *urlMapResource) Update(ctx context.Context, req provider.UpdateRequest[URLMapArgs, URLMapState]) (provider.UpdateResponse[URLMapState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.UpdateResponse[URLMapState]{}, err
	}
	oid, err := parseID(req.ID, "global", "urlMaps")
	if err != nil {
		return provider.UpdateResponse[URLMapState]{}, err
	}
	in := req.Inputs
	in.Name = proto.String(oid.name)
	err = withFingerprint(ctx, c, "URL map "+req.ID, func() (*computeOp, error) {
		cur, err := r.get(ctx, c, oid, false)
		if err != nil || cur == nil {
			return nil, notVisible(req.ID, err)
		}
		m := urlMapPB(in)
		m.Fingerprint = cur.Fingerprint
		return c.urlMaps.Update(ctx, &computepb.UpdateUrlMapRequest{Project: oid.project, UrlMap: oid.name, UrlMapResource: m,
			RequestId: proto.String(newRequestID())}, c.retry)
	})
	if err != nil {
		return provider.UpdateResponse[URLMapState]{}, err
	}
	resp, err := r.read(ctx, c, req.ID, &req.Inputs, true)
	if err != nil || resp.ID == "" {
		return provider.UpdateResponse[URLMapState]{}, notVisible(req.ID, err)
	}
	return provider.UpdateResponse[URLMapState]{Outputs: resp.Outputs}, nil
}

// Delete deletes the map.
func (r *urlMapResource) Delete(ctx context.Context, req provider.DeleteRequest[URLMapArgs, URLMapState]) error {
	c, err := r.p.clients()
	if err != nil {
		return err
	}
	oid, err := parseID(req.ID, "global", "urlMaps")
	if err != nil {
		return err
	}
	return c.deleteWith(ctx, req.ID, func(rid string) (*computeOp, error) {
		return c.urlMaps.Delete(ctx, &computepb.DeleteUrlMapRequest{Project: oid.project, UrlMap: oid.name, RequestId: &rid}, c.retry)
	})
}
