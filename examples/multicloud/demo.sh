#!/bin/sh
# The tour `make demo` runs, with no cloud account: `infra sim all` serves the AWS, Google Cloud and DigitalOcean
# simulators in one process on free loopback ports; the web project puts the webcluster component on AWS and
# Google Cloud at once (one DNS zone per cloud), and the dns project, reading the web stack's outputs through a
# stack reference, delegates those zones from the parent domain on DigitalOcean. Then the VM count changes and
# both stacks are destroyed, after which the simulators hold nothing. Each step is checked; the script exits
# non-zero when one is wrong. The projects and their state live in a temporary directory.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
infra="${INFRA_BIN:-$here/../../bin/infra}"
stack=demo
work=$(mktemp -d)
sim_pid=
cleanup() {
	[ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Step titles are bold on a terminal, plain in logs and with NO_COLOR set.
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
	step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
	step() { printf '\n== %s\n' "$*"; }
fi
fail() { echo "demo failed: $*" >&2; exit 1; }
# up runs `infra up --yes`, shows its output and keeps it in $out for the checks; $1 says what failed if it fails.
up() {
	out=$("$infra" up --yes) || { echo "$out"; fail "$1"; }
	echo "$out"
}
started=$(date +%s)

# Nothing on the machine may steer a provider to a real account.
unset AWS_PROFILE AWS_REGION AWS_DEFAULT_REGION AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_ENDPOINT_URL \
	GOOGLE_CLOUD_PROJECT CLOUDSDK_CORE_PROJECT GOOGLE_CLOUD_REGION CLOUDSDK_COMPUTE_REGION GOOGLE_CLOUD_ZONE CLOUDSDK_COMPUTE_ZONE \
	DIGITALOCEAN_TOKEN DIGITALOCEAN_ACCESS_TOKEN DIGITALOCEAN_API_URL
export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE="$work/none" AWS_SHARED_CREDENTIALS_FILE="$work/none"
export GOOGLE_APPLICATION_CREDENTIALS="$work/none" CLOUDSDK_CONFIG="$work/none" NO_GCE_CHECK=True GCE_METADATA_HOST=127.0.0.1:1

step "infra sim all (the AWS, Google Cloud and DigitalOcean simulators, in one process)"
"$infra" sim all --aws-listen 127.0.0.1:0 --gcp-listen 127.0.0.1:0 --digitalocean-listen 127.0.0.1:0 >"$work/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 1 100); do
	[ "$(grep -c 'listening on' "$work/sim.log" 2>/dev/null)" -eq 3 ] && break
	sleep 0.1
done
endpoint() { sed -n "s/^$1 simulator listening on //p" "$work/sim.log"; }
aws=$(endpoint AWS) gcp=$(endpoint 'Google Cloud') do=$(endpoint DigitalOcean)
[ -n "$aws" ] && [ -n "$gcp" ] && [ -n "$do" ] || { cat "$work/sim.log"; fail "the simulators did not start"; }
echo "AWS at $aws, Google Cloud at $gcp, DigitalOcean at $do"

# The two projects, in the temporary directory: their programs are this example's, their state one backend.
for p in web dns; do
	mkdir -p "$work/$p"
	{
		sed -n '/^name:/p' "$here/$p/Infra.yaml"
		echo "main: $(realpath --relative-to="$work/$p" "$here/$p")"
		echo "backend: file://$work/state"
		sed -n '/^config:/,$p' "$here/$p/Infra.yaml"
	} >"$work/$p/Infra.yaml"
done

step "web: infra stack init $stack; point the aws and gcp providers at the simulators"
cd "$work/web"
"$infra" stack init "$stack"
"$infra" config set aws:region us-east-1
"$infra" config set aws:endpoint "$aws"
"$infra" config set aws:accessKey AKIDSIMULATOR
"$infra" config set --secret aws:secretKey simulator-secret
"$infra" config set gcp:project infra-sim
"$infra" config set gcp:region us-central1
"$infra" config set gcp:endpoint "$gcp"
for c in aws gcp; do
	"$infra" config set "$c:pollInterval" 50ms
	"$infra" config set "$c:retryMaxBackoff" 250ms
done
"$infra" config ls

step "web: infra up --yes (two VMs behind a load balancer, and a DNS zone, on each of AWS and Google Cloud)"
up "the web stack's up failed"
echo "$out" | grep -q 'created' || fail "the web stack's up created nothing"

step "web: infra outputs"
"$infra" outputs

step "dns: infra stack init $stack; point the digitalocean provider at the simulator"
cd "$work/dns"
"$infra" stack init "$stack"
"$infra" config set digitalocean:endpoint "$do"
"$infra" config set --secret digitalocean:token dop_v1_sim
"$infra" config set digitalocean:pollInterval 50ms

step "dns: infra up --yes (the parent domain delegates aws. and gcp. to the clusters' name servers, read from the web stack)"
up "the dns stack's up failed"
echo "$out" | grep -q 'ns-0' || fail "the dns stack made no NS records from the web stack's name servers"

step "dns: infra outputs"
"$infra" outputs

step "web: infra config set count 3; infra up --yes (one more VM on each cloud; nothing is replaced)"
cd "$work/web"
"$infra" config set count 3
up "the up after the count change failed"
echo "$out" | grep -q 'aws-web-2 ' || fail "the AWS cluster should have gained aws-web-2"
echo "$out" | grep -q 'gcp-web-2 ' || fail "the Google Cloud cluster should have gained gcp-web-2"
if echo "$out" | grep -Eq '[0-9]+ (replaced|deleted)'; then
	fail "adding a VM must not replace or delete anything"
fi
"$infra" outputs clusters

step "dns: infra preview --expect-no-changes (the name servers did not change, so neither do the delegations)"
cd "$work/dns"
"$infra" preview --expect-no-changes

step "dns: infra destroy --yes; web: infra destroy --yes"
"$infra" destroy --yes
cd "$work/web"
"$infra" destroy --yes

if command -v curl >/dev/null 2>&1; then
	for url in "$aws" "$gcp" "$do"; do
		left=$(curl -s "$url/_sim/status" | sed -n '/"objects"/,/}/p' | grep -E '": [1-9]' || true)
		[ -z "$left" ] || fail "the simulator at $url still holds: $left"
	done
	echo "the simulators hold no objects"
fi
echo
echo "Demo complete in $(($(date +%s) - started)) s: a web cluster on AWS and on Google Cloud, their zones delegated from"
echo "DigitalOcean through a stack reference, scaled from 2 to 3 VMs each and destroyed, all on the simulators."
