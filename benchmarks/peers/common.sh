# Shared by locality.sh and overhead.sh: checks the build, installs the peers,
# and stops every process the benchmark started when the script exits.
# shellcheck shell=bash

PEERS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_DIR=$(cd "$PEERS_DIR/.." && pwd)
OUT=${PEERS_OUT:-$BENCH_DIR/target/peers}
BUILD_CMD="mvn -B -q -DskipTests -pl benchmarks -am -Ppeers package   (from the repository root)"
PIDS="$OUT/pids"

peers_check_build() {
  local missing=""
  for f in "$BENCH_DIR/target/wars/newsroom-worker.war" "$BENCH_DIR/target/wars/resumelb-proxy-webapp.war" \
           "$BENCH_DIR/target/classes/org/resumelb/benchmarks/PeerLocality.class"; do
    [ -f "$f" ] || missing="$missing $f"
  done
  compgen -G "$BENCH_DIR/target/peers-lib/*.jar" > /dev/null || missing="$missing $BENCH_DIR/target/peers-lib/*.jar"
  if [ -n "$missing" ]; then
    echo "peers: missing build artifacts:$missing" >&2
    echo "peers: build them with: $BUILD_CMD" >&2
    exit 2
  fi
  CP="$BENCH_DIR/target/classes:$BENCH_DIR/target/peers-lib/*"
}

# nginx, haproxy and wrk from Debian when absent. Debian may start the nginx and
# haproxy services on port 80 when installing: stop those that were not running before.
peers_install() {
  local need=""
  command -v nginx > /dev/null || need="$need nginx"
  command -v haproxy > /dev/null || need="$need haproxy"
  command -v wrk > /dev/null || need="$need wrk"
  [ -z "$need" ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "peers: need$need; run as root (apt-get) or install them first" >&2
    exit 2
  fi
  local before_nginx before_haproxy
  before_nginx=$(pgrep -x nginx || true)
  before_haproxy=$(pgrep -x haproxy || true)
  echo "peers: installing$need (apt-get)"
  apt-get update -q > "$OUT/apt.log" 2>&1 || { echo "peers: apt-get update failed, see $OUT/apt.log" >&2; exit 2; }
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q $need >> "$OUT/apt.log" 2>&1 \
    || { echo "peers: apt-get install failed, see $OUT/apt.log" >&2; exit 2; }
  for svc in nginx haproxy; do
    local before
    [ "$svc" = nginx ] && before=$before_nginx || before=$before_haproxy
    if [ -z "$before" ] && [ -n "$(pgrep -x "$svc" || true)" ]; then
      echo "peers: stopping the $svc service the package started"
      systemctl stop "$svc" 2> /dev/null || service "$svc" stop 2> /dev/null || true
      # Still running (no init system): stop the service's own master by its pid file.
      for pidfile in /run/$svc.pid /var/run/$svc.pid; do
        [ -s "$pidfile" ] && kill "$(cat "$pidfile")" 2> /dev/null || true
      done
    fi
  done
}

# Stops, by pid, every process the Java driver started and that is still alive.
peers_cleanup() {
  local rc=$?
  if [ -n "${DRIVER_PID:-}" ] && kill -0 "$DRIVER_PID" 2> /dev/null; then
    kill "$DRIVER_PID" 2> /dev/null || true
    for _ in $(seq 50); do kill -0 "$DRIVER_PID" 2> /dev/null || break; sleep 0.2; done
    kill -9 "$DRIVER_PID" 2> /dev/null || true
  fi
  if [ -s "$PIDS" ]; then
    while read -r pid name; do
      if kill -0 "$pid" 2> /dev/null; then
        echo "peers: stopping $name ($pid)"
        kill "$pid" 2> /dev/null || true
        sleep 1
        kill -9 "$pid" 2> /dev/null || true
      fi
    done < "$PIDS"
    rm -f "$PIDS"
  fi
  exit $rc
}

# Runs the Java driver class $1 with the remaining arguments, bounded by PEERS_TIMEOUT seconds.
peers_run() {
  local main=$1
  shift
  mkdir -p "$OUT"
  : > "$PIDS"
  trap peers_cleanup EXIT
  trap 'exit 130' INT TERM
  timeout --kill-after=30 "${PEERS_TIMEOUT:-7200}" java ${PEERS_JVM:--Xmx1g} -cp "$CP" \
    -Dbench.wars="$BENCH_DIR/target/wars" -Dbench.out="$OUT" -Dbench.peers="$PEERS_DIR" -Dbench.pids="$PIDS" \
    ${PEERS_WORKER_JVM:+-Dbench.workerJvm="$PEERS_WORKER_JVM"} ${PEERS_PROXY_JVM:+-Dbench.proxyJvm="$PEERS_PROXY_JVM"} \
    "org.resumelb.benchmarks.$main" "$@" &
  DRIVER_PID=$!
  wait "$DRIVER_PID"
}
