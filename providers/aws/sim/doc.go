// Package sim is a stateful, wire-level simulator of the parts of AWS the aws provider uses, for tests and for
// trying programs with no AWS account.
//
// One HTTP listener speaks four of AWS's own protocols and dispatches each request the way AWS's endpoints tell
// them apart:
//
//   - EC2, Query protocol with EC2's XML responses (POST / with Action=...&Version=2016-11-15): a default VPC with
//     a default subnet per availability zone and a default security group, a catalogue of public images,
//     instances that go pending → running (and stopping → stopped, shutting-down → terminated) after
//     configurable delays, ClientToken idempotency, security groups and their rules, tags, filters and
//     NextToken pagination;
//   - Elastic Load Balancing v2, Query protocol with XML (Version=2015-12-01): application and network load
//     balancers going provisioning → active, target groups with health checks, listeners, target registration
//     and health, tags, Marker pagination;
//   - Route 53, REST-XML under /2013-04-01/: hosted zones with caller references, SOA and NS records, change
//     batches that go PENDING → INSYNC, record sets (alias records included), tags, Marker and
//     NextRecordName pagination;
//   - KMS, JSON 1.1 (X-Amz-Target: TrentService.*), passed on to Options.KMS: `infra sim aws` serves the KMS
//     simulator of stacks/secrets/kmssim/awskms there (a provider's package may not import stacks/ itself).
//
// IDs have AWS's formats (i-0…, sg-0…, arn:aws:elasticloadbalancing:…, /hostedzone/Z…), and failures carry AWS's
// error codes and HTTP statuses (InvalidInstanceID.NotFound, InvalidGroup.Duplicate, DependencyViolation,
// LoadBalancerNotFound, NoSuchHostedZone, InvalidChangeBatch, RequestLimitExceeded, Throttling, ...), so the real
// SDK's deserializers, waiters, paginators and retryer all run unchanged against it.
//
// Faults are injected from Options.Faults at start and by SetFaults (or PUT /_sim/faults) at run time: a share of
// requests throttled with the service's own throttling error, a share answered with a 5xx, added latency, and an
// eventual-consistency window during which a new object is not found by its ID yet. GET /_sim/status reports the
// objects held and the requests served.
//
// Start one in-process with
//
//	l, err := sim.New(sim.Options{}).Start(ctx)
//	// l.URL is the endpoint: aws:endpoint in a stack, or AWS_ENDPOINT_URL for any AWS SDK or CLI
//
// or from the command line with `infra sim aws`.
package sim
