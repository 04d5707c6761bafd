#!/bin/sh
# Provides the servers the state backends are tested against, then runs its arguments (the test command) with
# their locations in the environment:
#
#   INFRA_TEST_MINIO             a minio binary: built once per machine from the Go module proxy and cached
#                                outside the repository ($INFRA_TEST_TOOLS, by default next to Go's build cache)
#   INFRA_TEST_PG_BIN            PostgreSQL's bin directory: installed from Debian's packages when missing
#   INFRA_TEST_REQUIRE_SERVICES  set, so that a backend test that cannot start its server fails instead of skipping
#
# The tests start and stop the servers themselves, on free loopback ports with temporary data directories; the
# GCS tests need nothing (fake-gcs-server runs inside the test process).
#
# Usage: scripts/test-services.sh go test ./...
set -eu
cd "$(dirname "$0")/.."
GO=${GO:-go}

# MinIO: the version is pinned so that every machine tests against the same server.
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
tools=${INFRA_TEST_TOOLS:-$(dirname "$($GO env GOCACHE)")/infra-test-tools}
minio=$tools/minio-$MINIO_VERSION/minio
if [ ! -x "$minio" ]; then
	echo "test-services: building MinIO $MINIO_VERSION into $(dirname "$minio") (once per machine; a few minutes)" >&2
	mkdir -p "$(dirname "$minio")"
	# Built aside and moved into place, so that an interrupted build never leaves a broken binary to reuse.
	tmp=$(mktemp -d "$(dirname "$minio")/.build-XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	start=$(date +%s)
	(cd "$tmp" && GOBIN="$tmp" $GO install "github.com/minio/minio@$MINIO_VERSION")
	mv "$tmp/minio" "$minio"
	rm -rf "$tmp"
	trap - EXIT
	echo "test-services: MinIO built in $(($(date +%s) - start))s" >&2
fi

# PostgreSQL: Debian's package; the tests run initdb and the server from its bin directory.
find_pg() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5n | tail -n 1; }
pg_bin=${INFRA_TEST_PG_BIN:-$(find_pg)}
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
	if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
		echo "test-services: PostgreSQL is not installed and this script can install it only as root with apt-get:" >&2
		echo "  install PostgreSQL (e.g. apt-get install postgresql), or set INFRA_TEST_PG_BIN to its bin directory" >&2
		exit 1
	fi
	echo "test-services: installing PostgreSQL from Debian's packages" >&2
	apt-get update -qq >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
	pg_bin=$(find_pg)
	if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
		echo "test-services: PostgreSQL was installed but no /usr/lib/postgresql/*/bin/initdb was found" >&2
		exit 1
	fi
fi

INFRA_TEST_MINIO=$minio
INFRA_TEST_PG_BIN=$pg_bin
INFRA_TEST_REQUIRE_SERVICES=1
export INFRA_TEST_MINIO INFRA_TEST_PG_BIN INFRA_TEST_REQUIRE_SERVICES
echo "test-services: MinIO $INFRA_TEST_MINIO, PostgreSQL $INFRA_TEST_PG_BIN" >&2
exec "$@"
