// Package sim is a stateful, wire-level simulator of the parts of Google Cloud the gcp provider uses, for tests
// and for trying programs with no Google Cloud project.
//
// One HTTP listener speaks two of Google's REST APIs, at the paths the real endpoints use:
//
//   - Compute Engine v1 under /compute/v1/projects/{project}/...: regions and zones, a default network, a
//     catalogue of public images (with image families) and machine types; networks, subnetworks, firewalls,
//     addresses (regional and global), instances that go PROVISIONING → STAGING → RUNNING (and STOPPING →
//     TERMINATED when stopped), health checks, target pools, forwarding rules (regional and global), unmanaged
//     instance groups with named ports, backend services, URL maps and target HTTP proxies. Every mutation
//     answers with a zonal, regional or global Operation that goes PENDING → RUNNING → DONE and can be polled
//     (get) or waited for (wait); the requestId of an insert makes a repeated insert return the first one's
//     operation, and operations remember it as clientOperationId. Label, metadata, tag and named-port
//     fingerprints refuse a stale update with 412 conditionNotMet. Lists follow maxResults/pageToken and a
//     filter of the form `field = "value"` (AND-ed), aggregated lists group by scope.
//   - Cloud DNS v1 under /dns/v1/projects/{project}/...: managed zones (with their SOA and NS records), changes
//     that go pending → done, and resource record sets.
//
// Failures carry Google's JSON error body, as googleapi.Error reads it: the HTTP status (400, 404, 409, 412,
// 429, 503) and reasons such as notFound, alreadyExists, invalid, resourceNotReady,
// resourceInUseByAnotherResource, conditionNotMet, rateLimitExceeded and backendError.
//
// Faults are injected from Options.Faults at start and by SetFaults (or PUT /_sim/faults) at run time: a share
// of requests refused with 429, a share with 503, added latency, slow operations (they stay RUNNING longer), and
// a window after a create during which the new object is not found yet. GET /_sim/status reports the objects
// held and the requests served; POST /_sim/reset forgets everything a program made.
//
// Options.Observe sees every request and response, which is how the tests validate each one against the
// discovery documents google.golang.org/api ships.
//
// Start one in-process with
//
//	l, err := sim.New(sim.Options{}).Start(ctx)
//	// l.URL is the endpoint: gcp:endpoint in a stack
//
// or from the command line with `infra sim gcp`.
package sim
