#!/usr/bin/env bash
# Raw proxying against nginx and HAProxy (BENCHMARKS.md section 6): one trivial worker process,
# wrk -t2 -c64 -d10s against each front in turn, 3 rounds, so that the JVM's warm-up shows.
#
#   benchmarks/peers/overhead.sh [--rounds 3] [--seconds 10] [--threads 2] [--connections 64]
#                                [--fronts haproxy-rr,nginx-rr,resumelb-resume]
#
# Build first: mvn -B -q -DskipTests -pl benchmarks -am -Ppeers package
# Results: benchmarks/target/peers/overhead/{results.md,logs/}.
set -euo pipefail
source "$(dirname "$0")/common.sh"
mkdir -p "$OUT"
peers_check_build
peers_install
peers_run PeerOverhead "$@"
