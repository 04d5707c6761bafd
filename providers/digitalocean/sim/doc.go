// Package sim is a stateful, wire-level simulator of the parts of DigitalOcean's v2 API the digitalocean provider
// uses, for tests and for trying programs with no DigitalOcean account.
//
// One HTTP listener serves, under /v2/, with bearer-token authentication (401 with DigitalOcean's body):
//
//   - droplets: create one (name) or several (names), get, list (tag_name and name filters), delete, delete by
//     tag; a droplet is "new" until Timing.DropletActive has passed, then "active" with its networks (public and
//     private IPv4, public IPv6 with ipv6) and its region's default VPC;
//   - actions: /v2/actions, /v2/droplets/{id}/actions (power_off, shutdown, power_on, reboot, power_cycle, resize,
//     rebuild, rename, enable_ipv6, enable/disable_backups, snapshot, ...) and /v2/droplets/actions?tag_name=,
//     "in-progress" until Timing.ActionComplete, then "completed" with their effect;
//   - the catalogue: /v2/regions, /v2/sizes, /v2/images (distribution images, by id or slug), /v2/account;
//   - /v2/account/keys (and /v2/ssh_keys), /v2/tags with tag resources, /v2/vpcs (a default VPC per region),
//     /v2/reserved_ips (and /v2/floating_ips) with assign and unassign actions;
//   - /v2/load_balancers ("new" until Timing.LoadBalancerActive; forwarding rules, health check, sticky
//     sessions, droplet_ids or tag, PUT update, add and remove droplets), with a health record of each:
//     LoadBalancerHealth and MinHealthySince tell whether a rolling deploy ever left it with no healthy droplet
//     (a member is healthy Timing.HealthyAfter after it came up or joined, whichever is later, until it is
//     powered off, rebooted or deleted); /v2/monitoring/metrics/load_balancer/droplets_health_checks answers
//     each member's current health as a sample of 1 or 0, which is what a droplet's waitHealthyIn polls;
//   - /v2/firewalls (inbound and outbound rules, droplet_ids, tags; add and remove droplets, tags and rules);
//   - /v2/domains and /v2/domains/{domain}/records (A, AAAA, CNAME, TXT, MX, NS, CAA, SRV).
//
// Every response carries the ratelimit-limit, ratelimit-remaining and ratelimit-reset headers; errors carry
// DigitalOcean's body {"id": "not_found", "message": ..., "request_id": ...}; lists follow page and per_page
// (capped by Options.PageSize) with links.pages and meta.total.
//
// Faults are injected from Options.Faults at start and by SetFaults (or PUT /_sim/faults) at run time: a share
// of requests refused with 429 and a Retry-After header, a share with 500, added latency, and a window after a
// create during which a GET of the new object answers 404. GET /_sim/status reports the objects held and the
// requests served; POST /_sim/reset forgets everything a program made.
//
// Options.Observe sees every request and response, which is how the tests check each one against DigitalOcean's
// own OpenAPI description (package openapi).
//
// Start one in-process with
//
//	l, err := sim.New(sim.Options{}).Start(ctx)
//	// l.URL is the endpoint: digitalocean:endpoint in a stack, any token
//
// or from the command line with `infra sim digitalocean`.
package sim
