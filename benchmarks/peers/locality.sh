#!/usr/bin/env bash
# The peers locality benchmark (BENCHMARKS.md section 6): nginx, HAProxy and ResumeLB
# in front of the same newsroom worker processes, each from cold caches.
#
#   benchmarks/peers/locality.sh [--fronts a,b,...] [--seconds 60] [--measure 30] [--window 5]
#                                [--hot 0.3 [--hot-via first]] [--cores 1 --cpu-us 4000] [--rounds 1] [--workers 4] ...
#
# --warm-proxy S: first S seconds of load through the ResumeLB proxy to throwaway workers (a warm JVM, cold caches).
# Fronts: nginx-rr, nginx-hash, nginx-leastconn, haproxy-hash, haproxy-leastconn, haproxy-rr,
# resumelb-resume, resumelb-consistent-hash, resumelb-round-robin, resumelb-least-backlog;
# resumelb-resume-3lb and resumelb-resume-3lb-noreport: three ResumeLB processes sharing the load, with and without
# the workers' in-band load report (BENCHMARKS.md section 8).
# Build first: mvn -B -q -DskipTests -pl benchmarks -am -Ppeers package
# Results: benchmarks/target/peers/locality-<label>/{results.md,series.csv,logs/}.
# Environment: PEERS_OUT, PEERS_TIMEOUT (s, default 7200), PEERS_JVM (the driver's), PEERS_WORKER_JVM, PEERS_PROXY_JVM.
set -euo pipefail
source "$(dirname "$0")/common.sh"
mkdir -p "$OUT"
peers_check_build
peers_install
peers_run PeerLocality "$@"
