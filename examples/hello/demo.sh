#!/bin/sh
# The end-to-end tour `make demo` runs: a stack of examples/hello goes through init, preview, up, a
# no-change preview, a config change that touches only what it affects, and destroy. It uses only the built-in
# providers, so it needs no cloud account and no network.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
infra="${INFRA_BIN:-$here/../../bin/infra}"
stack=demo
cd "$here"

# Step titles are bold on a terminal, plain in logs and with NO_COLOR set.
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
	step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
	step() { printf '\n== %s\n' "$*"; }
fi
fail() { echo "demo failed: $*" >&2; exit 1; }

# A previous demo that was interrupted may have left its stack behind.
"$infra" stack rm "$stack" --force --yes >/dev/null 2>&1 || true
rm -f "Infra.$stack.yaml"

step "infra stack init $stack"
"$infra" stack init "$stack"

step "infra config set greeting Hello; infra config set --secret apiToken ..."
"$infra" config set greeting Hello
printf 'tok-%s' "$(date +%s)" | "$infra" config set --secret apiToken
"$infra" config ls

step "infra preview"
"$infra" preview

step "infra up --yes"
"$infra" up --yes

step "infra outputs"
"$infra" outputs

step "infra preview --expect-no-changes (nothing changed: exits 0)"
"$infra" preview --expect-no-changes

step "infra config set greeting Howdy; infra up --yes (only what uses the greeting changes)"
"$infra" config set greeting Howdy
out=$("$infra" up --yes --show-sames) || { echo "$out"; fail "up after the config change failed"; }
echo "$out"
echo "$out" | grep -q 'settings  updated' || fail "settings should have been updated"
echo "$out" | grep -q 'world-greet  updated' || fail "the greeting command should have been updated"
if echo "$out" | grep -E 'Password  db-password|Data  credentials|String  world-suffix' | grep -qv 'unchanged'; then
	fail "resources that do not use the greeting must not change"
fi

step "infra destroy --yes"
"$infra" destroy --yes
count=$("$infra" stack export | grep -c '"urn"' || true)
[ "$count" -eq 0 ] || fail "state still holds $count resources after destroy"

step "infra stack rm $stack"
"$infra" stack rm "$stack" --yes
echo
echo "Demo complete: created, changed and destroyed a stack through the real engine, plugins and state."
