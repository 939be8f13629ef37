#!/usr/bin/env bash
# make bench-cluster: one control plane (a real gantry process on SQLite)
# and fleets of data planes on loopback: real gantry data-plane processes
# (GOMAXPROCS=1 each) in phases of BENCH_CLUSTER_REAL counts, then
# BENCH_CLUSTER_SIM counts of simulated sessions from gantry-fleetsim (real mTLS
# gRPC sessions, one node id each). Each phase starts a fresh control
# plane and measures, with gantry-fleetsim bench: Admin write → every data
# plane running the change (p50/p99 over BENCH_CLUSTER_CHANGES writes),
# the Admin write's own latency, the control plane's RSS per idle data
# plane, and (simulated phase) bytes per push, full vs delta, and a
# reconnect storm: the control plane restarted under the whole fleet,
# time until every data plane is back and runs a change made right after,
# and the Admin API's latency meanwhile. Results in BENCHMARKS.md
# ("Large fleets").
#
# Knobs (environment): BENCH_CLUSTER_REAL ("10 100 300": real data planes
# per phase; each takes 25-45 MB), BENCH_CLUSTER_SIM ("1000 10000":
# simulated data planes per phase; empty skips),
# BENCH_CLUSTER_CHANGES (5), BENCH_CLUSTER_BASELINE (a gantry binary, say
# one built from an older commit: each real phase then runs with it too,
# control plane and data planes, right before this tree's build, for a
# side-by-side comparison), BENCH_CLUSTER_TIMEOUT (10m: a fleet's time to
# connect or converge), BENCH_CLUSTER_ROUTES (1000: routes in the
# configuration before the measured changes, each adding one),
# BENCH_CLUSTER_PLOTS (docs/bench: where the SVG plot of each phase's
# propagation times goes, cluster-<n>-<real|sim>[-baseline].svg).
set -euo pipefail
cd "$(dirname "$0")/.."

real_counts=${BENCH_CLUSTER_REAL-10 100 300}
sims=${BENCH_CLUSTER_SIM-1000 10000}
changes=${BENCH_CLUSTER_CHANGES:-5}
timeout=${BENCH_CLUSTER_TIMEOUT:-10m}
seed=${BENCH_CLUSTER_ROUTES:-1000}
plots=${BENCH_CLUSTER_PLOTS:-docs/bench}
mkdir -p "$plots"

for tool in curl python3; do
	command -v "$tool" >/dev/null || { echo "bench-cluster: $tool not found" >&2; exit 1; }
done
# Thousands of connections and processes.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

work=$(mktemp -d "${TMPDIR:-/tmp}/gantry-bench-cluster.XXXXXX")
dp_pids=()
cleanup() {
	for p in "${dp_pids[@]}"; do kill "$p" 2>/dev/null || true; done
	[ -s "$work/cp.pid" ] && kill "$(cat "$work/cp.pid")" 2>/dev/null || true
	[ -n "${sim_pid:-}" ] && kill "$sim_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

echo "bench-cluster: building" >&2
go build -o "$work/gantry" ./cmd/gantry
go build -o "$work/gantry-fleetsim" ./cmd/gantry-fleetsim
builds=(gantry)
if [ -n "${BENCH_CLUSTER_BASELINE:-}" ]; then
	cp "$BENCH_CLUSTER_BASELINE" "$work/baseline"
	builds=(baseline gantry)
fi
echo "$work/gantry" >"$work/cp.bin"
"$work/gantry-fleetsim" gencert "$work/cluster.crt" "$work/cluster.key"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
admin_port=$(free_port)
cluster_port=$(free_port)
admin="http://127.0.0.1:$admin_port"
cluster="127.0.0.1:$cluster_port"

# $work/cp.sh start|stop: the control plane, restartable by gantry-fleetsim
# for the reconnect storm (same prefix, database and ports). Its pid is in
# $work/cp.pid.
cat >"$work/cp.sh" <<EOF
#!/usr/bin/env bash
set -eu
stop() {
	[ -s "$work/cp.pid" ] || return 0
	pid=\$(cat "$work/cp.pid")
	kill "\$pid" 2>/dev/null || true
	for _ in \$(seq 200); do kill -0 "\$pid" 2>/dev/null || break; sleep 0.05; done
	: >"$work/cp.pid"
}
start() {
	GANTRY_ROLE=control_plane GANTRY_DATABASE=sqlite GANTRY_PREFIX="$work/cp" \\
		GANTRY_ADMIN_LISTEN=127.0.0.1:$admin_port GANTRY_CLUSTER_LISTEN=127.0.0.1:$cluster_port \\
		GANTRY_PROXY_LISTEN=off GANTRY_STATUS_LISTEN=off GANTRY_LOG_LEVEL=warn \\
		GANTRY_CLUSTER_CERT="$work/cluster.crt" GANTRY_CLUSTER_CERT_KEY="$work/cluster.key" \\
		setsid "\$(cat "$work/cp.bin")" start >>"$work/cp.log" 2>&1 </dev/null &
	echo \$! >"$work/cp.pid"
	for _ in \$(seq 300); do
		curl -fs "$admin/status" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "bench-cluster: the control plane did not start; its log:" >&2
	tail -20 "$work/cp.log" >&2
	exit 1
}
case "\$1" in
start) start ;;
stop) stop ;;
restart) stop; start ;;
esac
EOF
chmod +x "$work/cp.sh"

rss() { awk '/VmRSS/ { print $2 }' "/proc/$(cat "$work/cp.pid")/status"; }

# fresh_cp: a control plane on an empty database.
fresh_cp() {
	"$work/cp.sh" stop
	rm -rf "$work/cp"
	"$work/cp.sh" start
}

results="$work/results"
: >"$results"
# bench LABEL ARGS...: gantry-fleetsim bench; LABEL tags its "cluster:" line.
bench() {
	local label=$1
	shift
	"$work/gantry-fleetsim" bench -cluster "$cluster" -admin "$admin" -cert "$work/cluster.crt" -key "$work/cluster.key" \
		-cp-pid-file "$work/cp.pid" -changes "$changes" -timeout "$timeout" -seed "$seed" "$@" |
		sed -u "s/^cluster:/cluster$label:/" | tee -a "$results"
}

for n in $real_counts; do
	for build in "${builds[@]}"; do
		echo "bench-cluster: $n real data planes ($build)" >&2
		echo "== $n real data planes ($build)" >>"$results"
		echo "$work/$build" >"$work/cp.bin"
		fresh_cp
		"$work/gantry-fleetsim" seed -admin "$admin" -seed "$seed"
		sleep 2
		base=$(rss)
		dp_pids=()
		for i in $(seq "$n"); do
			GOMAXPROCS=1 GANTRY_ROLE=data_plane GANTRY_DATABASE=off GANTRY_PREFIX="$work/dp$i" \
				GANTRY_PROXY_LISTEN=127.0.0.1:0 GANTRY_STATUS_LISTEN=off GANTRY_ADMIN_LISTEN=off GANTRY_LOG_LEVEL=warn \
				GANTRY_CLUSTER_CONTROL_PLANE="$cluster" \
				GANTRY_CLUSTER_CERT="$work/cluster.crt" GANTRY_CLUSTER_CERT_KEY="$work/cluster.key" \
				"$work/$build" start >"$work/dp$i.log" 2>&1 </dev/null &
			dp_pids+=($!)
		done
		label=""
		[ "$build" = baseline ] && label=" (baseline)"
		svg="$plots/cluster-$n-real.svg"
		[ "$build" = baseline ] && svg="$plots/cluster-$n-real-baseline.svg"
		bench "$label" -real "$n" -baseline-kb "$base" -svg "$svg"
		dp_rss=$(for p in "${dp_pids[@]}"; do awk '/VmRSS/ { print $2 }' "/proc/$p/status" 2>/dev/null; done | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
		echo "data plane RSS (median of $n): $dp_rss KB" | tee -a "$results"
		kill "${dp_pids[@]}" 2>/dev/null || true
		wait "${dp_pids[@]}" 2>/dev/null || true
		dp_pids=()
		rm -rf "$work"/dp*
	done
done
echo "$work/gantry" >"$work/cp.bin"

for n in $sims; do
	[ "$n" -gt 0 ] || continue
	echo "bench-cluster: $n simulated data planes" >&2
	echo "== $n simulated data planes" >>"$results"
	fresh_cp
	bench "" -n "$n" -restart "$work/cp.sh restart" -svg "$plots/cluster-$n-sim.svg"
done

echo
echo "bench-cluster: results"
grep -v '^cluster:' "$results"
# The last line: the largest fleet measured.
grep '^cluster:' "$results" | sort -t' ' -k2 -n | tail -1
