#!/bin/sh
# The web cluster's tour on the Google Cloud simulator, with no Google Cloud account: `infra sim gcp` is started
# on a free loopback port, and a stack of this example in a temporary directory goes through up, a no-change
# preview, a scale from 2 to 3 web servers that touches only what it must, and destroy, after which the
# simulator holds nothing. Set THROTTLE and ERRORS (shares of requests, 0 to 1) to inject faults, e.g.
# THROTTLE=0.2 ERRORS=0.05.
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

step "infra sim gcp (throttle ${THROTTLE:-0}, 503 ${ERRORS:-0})"
"$infra" sim gcp --listen 127.0.0.1:0 --throttle "${THROTTLE:-0}" --errors "${ERRORS:-0}" \
	--operation-time 150ms --instance-start 500ms >"$work/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 1 100); do
	grep -q 'listening on' "$work/sim.log" 2>/dev/null && break
	sleep 0.1
done
endpoint=$(sed -n 's/^Google Cloud simulator listening on //p' "$work/sim.log")
[ -n "$endpoint" ] || { cat "$work/sim.log"; fail "the simulator did not start"; }
echo "simulator at $endpoint"

# A project in a temporary directory whose program is this example.
mkdir -p "$work/project"
cd "$work/project"
{
	echo "name: gcp-webcluster"
	echo "main: $(realpath --relative-to="$work/project" "$here")"
	sed -n '/^config:/,$p' "$here/Infra.yaml"
} >Infra.yaml
# Nothing on the machine may steer the gcp provider to real credentials.
export GOOGLE_APPLICATION_CREDENTIALS="$work/no-credentials" CLOUDSDK_CONFIG="$work/no-gcloud" NO_GCE_CHECK=True

step "infra stack init demo; point the gcp provider at the simulator"
"$infra" stack init demo
"$infra" config set gcp:project infra-sim
"$infra" config set gcp:region us-central1
"$infra" config set gcp:endpoint "$endpoint"
"$infra" config set gcp:pollInterval 100ms
"$infra" config set gcp:retryMaxBackoff 500ms
"$infra" config set gcp:maxRetries 25

step "infra up --yes"
"$infra" up --yes

step "infra preview --expect-no-changes (nothing changed: exits 0)"
"$infra" preview --expect-no-changes

step "infra config set instanceCount 3; infra up --yes (only the new server and its pool membership are created)"
"$infra" config set instanceCount 3
out=$("$infra" up --yes) || { echo "$out"; fail "the scale-up failed"; }
echo "$out"
echo "$out" | grep -q 'Resources: 2 created, 12 unchanged' || fail "scaling to 3 should create exactly 2 resources"

step "infra outputs url"
"$infra" outputs url

step "infra destroy --yes"
"$infra" destroy --yes
if command -v curl >/dev/null 2>&1; then
	status=$(curl -s "$endpoint/_sim/status")
	echo "$status" | tr -d ' \n' | grep -q '"paths":\[\]' || { echo "$status"; fail "the simulator still holds objects"; }
	echo "the simulator holds no objects"
fi
echo
echo "Demo complete: a web cluster created, scaled and destroyed on the Google Cloud simulator through the real gcp provider."
