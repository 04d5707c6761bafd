#!/bin/sh
# The web cluster's tour on the DigitalOcean simulator, with no DigitalOcean account: `infra sim digitalocean` is
# started on a free loopback port, and a stack of this example in a temporary directory goes through up, a
# no-change preview, a canary release that replaces only web-0, and destroy, after which the simulator holds
# nothing. Set THROTTLE and ERRORS (shares of requests, 0 to 1) to inject 429s and 500s, e.g. THROTTLE=0.2 ERRORS=0.05.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
infra="${INFRA_BIN:-$here/../../bin/infra}"
work=$(mktemp -d)
sim_pid=
cleanup() {
	[ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
fail() { echo "demo failed: $*" >&2; exit 1; }

step "infra sim digitalocean (throttle ${THROTTLE:-0}, 500 ${ERRORS:-0})"
"$infra" sim digitalocean --listen 127.0.0.1:0 --throttle "${THROTTLE:-0}" --errors "${ERRORS:-0}" \
	--droplet-active 300ms --lb-active 300ms --action-complete 100ms >"$work/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 1 100); do
	grep -q 'listening on' "$work/sim.log" 2>/dev/null && break
	sleep 0.1
done
endpoint=$(sed -n 's/^DigitalOcean simulator listening on //p' "$work/sim.log")
[ -n "$endpoint" ] || { cat "$work/sim.log"; fail "the simulator did not start"; }
echo "simulator at $endpoint"

# A project in a temporary directory whose program is this example.
mkdir -p "$work/project"
cd "$work/project"
{
	echo "name: do-webcluster"
	echo "main: $(realpath --relative-to="$work/project" "$here")"
	sed -n '/^config:/,$p' "$here/Infra.yaml"
} >Infra.yaml
# Nothing on the machine may steer the provider to a real account.
unset DIGITALOCEAN_TOKEN DIGITALOCEAN_ACCESS_TOKEN DIGITALOCEAN_API_URL

step "infra stack init demo; point the digitalocean provider at the simulator"
"$infra" stack init demo
"$infra" config set digitalocean:endpoint "$endpoint"
"$infra" config set --secret digitalocean:token dop_v1_sim
"$infra" config set digitalocean:pollInterval 50ms
"$infra" config set digitalocean:retryMinBackoff 100ms
"$infra" config set digitalocean:retryMaxBackoff 1s

step "infra up --yes"
"$infra" up --yes

step "infra preview --expect-no-changes (nothing changed: exits 0)"
"$infra" preview --expect-no-changes

step "infra config set canaryMessage 'Hello from the canary'; infra up --yes (only web-0 is replaced)"
"$infra" config set canaryMessage "Hello from the canary"
out=$("$infra" up --yes) || { echo "$out"; fail "the canary release failed"; }
echo "$out"
echo "$out" | grep -q '1 replaced' || fail "the canary release should replace exactly one droplet"

step "infra outputs url"
"$infra" outputs url

step "infra destroy --yes"
"$infra" destroy --yes
if command -v curl >/dev/null 2>&1; then
	status=$(curl -s "$endpoint/_sim/status")
	echo "$status" | tr -d ' \n' | grep -q '"objects":{"droplets":0,"reservedIPs":0,"loadBalancers":0,"firewalls":0,"vpcs":0,"sshKeys":0,"tags":0,"domains":0,"domainRecords":0}' ||
		{ echo "$status"; fail "the simulator still holds objects"; }
	echo "the simulator holds no objects"
fi
echo
echo "Demo complete: a web cluster created, released to a canary and destroyed on the DigitalOcean simulator through the real digitalocean provider."
