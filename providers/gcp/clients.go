package gcp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"

	compute "cloud.google.com/go/compute/apiv1"
	"cloud.google.com/go/compute/apiv1/computepb"
	"github.com/googleapis/gax-go/v2"
	"github.com/hashicorp/go-hclog"
	"google.golang.org/api/dns/v1"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"
)

// gcpProvider is one provider instance: its logger, its environment and, once configured, its clients.
type gcpProvider struct {
	log hclog.Logger
	env func(string) string

	mu sync.Mutex
	c  *clients
}

// clients are the configured Google Cloud clients and the settings resources need.
type clients struct {
	project, region, zone string
	defaultLabels         map[string]string
	// poll is the shortest wait between two polls of an operation.
	poll time.Duration
	log  hclog.Logger
	// retry is the call option every Compute Engine call takes.
	retry gax.CallOption

	networks          *compute.NetworksClient
	subnetworks       *compute.SubnetworksClient
	firewalls         *compute.FirewallsClient
	addresses         *compute.AddressesClient
	globalAddresses   *compute.GlobalAddressesClient
	instances         *compute.InstancesClient
	disks             *compute.DisksClient
	healthChecks      *compute.HealthChecksClient
	targetPools       *compute.TargetPoolsClient
	forwardingRules   *compute.ForwardingRulesClient
	globalForwarding  *compute.GlobalForwardingRulesClient
	instanceGroups    *compute.InstanceGroupsClient
	backendServices   *compute.BackendServicesClient
	urlMaps           *compute.UrlMapsClient
	targetHTTPProxies *compute.TargetHttpProxiesClient
	images            *compute.ImagesClient
	regions           *compute.RegionsClient
	globalOperations  *compute.GlobalOperationsClient

	// computeHTTP and computeBase make the Compute Engine calls the REST clients get wrong: the client's
	// instanceGroups.listInstances sends the whole request message, path parameters included, as its body.
	computeHTTP *http.Client
	computeBase string

	dns *dns.Service
}

// open creates the Compute Engine REST clients with opts.
func (c *clients) open(ctx context.Context, opts []option.ClientOption) error {
	var errs []error
	mk := func(name string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("create the Compute Engine %s client: %w", name, err))
		}
	}
	var err error
	c.networks, err = compute.NewNetworksRESTClient(ctx, opts...)
	mk("networks", err)
	c.subnetworks, err = compute.NewSubnetworksRESTClient(ctx, opts...)
	mk("subnetworks", err)
	c.firewalls, err = compute.NewFirewallsRESTClient(ctx, opts...)
	mk("firewalls", err)
	c.addresses, err = compute.NewAddressesRESTClient(ctx, opts...)
	mk("addresses", err)
	c.globalAddresses, err = compute.NewGlobalAddressesRESTClient(ctx, opts...)
	mk("globalAddresses", err)
	c.instances, err = compute.NewInstancesRESTClient(ctx, opts...)
	mk("instances", err)
	c.disks, err = compute.NewDisksRESTClient(ctx, opts...)
	mk("disks", err)
	c.healthChecks, err = compute.NewHealthChecksRESTClient(ctx, opts...)
	mk("healthChecks", err)
	c.targetPools, err = compute.NewTargetPoolsRESTClient(ctx, opts...)
	mk("targetPools", err)
	c.forwardingRules, err = compute.NewForwardingRulesRESTClient(ctx, opts...)
	mk("forwardingRules", err)
	c.globalForwarding, err = compute.NewGlobalForwardingRulesRESTClient(ctx, opts...)
	mk("globalForwardingRules", err)
	c.instanceGroups, err = compute.NewInstanceGroupsRESTClient(ctx, opts...)
	mk("instanceGroups", err)
	c.backendServices, err = compute.NewBackendServicesRESTClient(ctx, opts...)
	mk("backendServices", err)
	c.urlMaps, err = compute.NewUrlMapsRESTClient(ctx, opts...)
	mk("urlMaps", err)
	c.targetHTTPProxies, err = compute.NewTargetHttpProxiesRESTClient(ctx, opts...)
	mk("targetHttpProxies", err)
	c.images, err = compute.NewImagesRESTClient(ctx, opts...)
	mk("images", err)
	c.regions, err = compute.NewRegionsRESTClient(ctx, opts...)
	mk("regions", err)
	c.globalOperations, err = compute.NewGlobalOperationsRESTClient(ctx, opts...)
	mk("globalOperations", err)
	return errors.Join(errs...)
}

func (p *gcpProvider) setClients(c *clients) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.c = c
}

// clients returns the configured clients.
func (p *gcpProvider) clients() (*clients, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.c == nil {
		return nil, errors.New("the gcp provider is not configured yet")
	}
	return p.c, nil
}

// needProject returns the project a resource names, else the provider's, else an error saying how to set one.
func (c *clients) needProject(p *string) (string, error) {
	if p != nil && *p != "" {
		return *p, nil
	}
	if c.project == "" {
		return "", errors.New("no project: set one with `infra config set gcp:project my-project`, or GOOGLE_CLOUD_PROJECT, or the resource's project")
	}
	return c.project, nil
}

// needRegion returns the region a resource names, else the provider's.
func (c *clients) needRegion(r *string) (string, error) {
	if r != nil && *r != "" {
		return *r, nil
	}
	if c.region == "" {
		return "", errors.New("no region: set one with `infra config set gcp:region us-central1`, or the resource's region")
	}
	return c.region, nil
}

// needZone returns the zone a resource names, else the provider's.
func (c *clients) needZone(z *string) (string, error) {
	if z != nil && *z != "" {
		return *z, nil
	}
	if c.zone == "" {
		return "", errors.New("no zone: set one with `infra config set gcp:zone us-central1-a`, or the resource's zone")
	}
	return c.zone, nil
}

// wait polls a Compute Engine operation until it is done, from the configured interval up to ten times it, and
// returns the operation's error if it failed. what names the change for messages.
func (c *clients) wait(ctx context.Context, op *compute.Operation, what string) error {
	delay := c.poll
	for !op.Done() {
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return waitErr(what, ctx.Err())
		case <-t.C:
		}
		if err := op.Poll(ctx, c.retry); err != nil {
			return waitErr(what, err)
		}
		delay = min(delay*3/2, 10*c.poll)
	}
	if e := op.Proto().GetError(); e != nil && len(e.GetErrors()) > 0 {
		return fmt.Errorf("%s: the operation failed: %s (%s)", what, e.GetErrors()[0].GetMessage(), e.GetErrors()[0].GetCode())
	}
	return nil
}

// waitErr describes a failed wait, naming what was awaited.
func waitErr(what string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("waiting for %s: timed out (raise the resource's CustomTimeouts if it needs longer): %w", what, err)
	}
	return fmt.Errorf("waiting for %s: %w", what, err)
}

// findOperation returns the insert operation a requestId started, in any scope of project, or nil: how a create
// cut off by a crash is found again (Compute Engine keeps the requestId as the operation's clientOperationId).
func (c *clients) findOperation(ctx context.Context, project, requestID string) (*computepb.Operation, error) {
	it := c.globalOperations.AggregatedList(ctx, &computepb.AggregatedListGlobalOperationsRequest{Project: project,
		Filter: strPtr(fmt.Sprintf("clientOperationId = %q", requestID))}, c.retry)
	for {
		pair, err := it.Next()
		if errors.Is(err, iterator.Done) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("list the operations of project %s: %w", project, err)
		}
		for _, op := range pair.Value.GetOperations() {
			if op.GetClientOperationId() == requestID && op.GetOperationType() == "insert" {
				return op, nil
			}
		}
	}
}

// readFile reads a file the configuration names.
func readFile(path string) ([]byte, error) { return os.ReadFile(path) }
