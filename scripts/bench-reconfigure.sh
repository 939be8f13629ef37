#!/usr/bin/env bash
# make bench-reconfigure (BENCHMARKS.md, "Reconfigure under load"): a
# control plane on SQLite holding 10,000 routes and one data plane, both
# real `gantry` processes on loopback. The DP (GOMAXPROCS=1) has cpu 0 to
# itself; the CP, the upstream and the load generator share the other
# core(s). When the script may (root), the DP, the upstream and the load
# generator run at nice -20 and the CP at nice 0, so other work on a shared
# machine and the CP's own cost per change (another machine's CPU in
# production) disturb the measured path less; otherwise the CP runs at
# nice 10. The
# driver (cmd/benchreconfigure) sends requests at a fixed rate, well under
# the DP's capacity, and alternates phases without changes and phases with
# one Admin change per second; its last line is
#   reconfigure: p99 ratio X, throughput ratio Y
# (push phase over the idle phase before it, medians over the rounds). It
# writes the latency-over-time plot to BENCH_SVG.
#
# Knobs (environment): BENCH_ROUTES (10000), BENCH_RATE (1000 req/s),
# BENCH_ROUNDS (5), BENCH_PHASE (10s), BENCH_WARMUP (3s), BENCH_SETTLE (2s:
# the start of each idle phase after a push phase that its numbers leave
# out, while the last change may still be on its way to the DP),
# BENCH_SVG ($work/bench-reconfigure.svg, kept only when set),
# BENCH_BASE (a git revision: run the same benchmark first against the
# Gantry of that commit, to compare before and after under the same
# conditions), BENCH_SHORT=1 (a few seconds, 1,000 routes: what CI runs),
# BENCH_LOGS (a directory to keep the CP's and DP's logs in; with
# GODEBUG=gctrace=1 the DP's shows its garbage collections).
set -euo pipefail
cd "$(dirname "$0")/.."

bench_name=bench-reconfigure
tools=(taskset go curl)
# shellcheck source=lib/bench-common.sh
. scripts/lib/bench-common.sh

routes=${BENCH_ROUTES:-10000}
rate=${BENCH_RATE:-1000}
rounds=${BENCH_ROUNDS:-5}
phase=${BENCH_PHASE:-10s}
rwarmup=${BENCH_WARMUP:-3s}
settle=${BENCH_SETTLE:-2s}
if [ "${BENCH_SHORT:-}" = 1 ]; then
	routes=${BENCH_ROUTES:-1000} rate=${BENCH_RATE:-200} rounds=${BENCH_ROUNDS:-2} phase=${BENCH_PHASE:-2s} rwarmup=${BENCH_WARMUP:-1s}
	settle=${BENCH_SETTLE:-500ms}
fi
svg=${BENCH_SVG:-$work/bench-reconfigure.svg}
# boost: the priority of the measured path (DP, upstream, load generator);
# calm: the CP's.
boost=() calm=(nice -n 10)
if nice -n -20 true 2>/dev/null; then
	boost=(nice -n -20) calm=()
fi

build
go build -o "$work/benchreconfigure" ./cmd/benchreconfigure
base=${BENCH_BASE:-}
if [ -n "$base" ]; then
	mkdir -p "$work/base-src"
	git archive "$base" | tar -x -C "$work/base-src"
	(cd "$work/base-src" && go build -o "$work/gantry-base" ./cmd/gantry)
fi
GOMAXPROCS=1 taskset -c "$other_cpus" "${boost[@]}" "$work/benchupstream" >"$work/upstream.addr" &
pids+=($!)
wait_for "$work/upstream.addr"
upstream=$(head -1 "$work/upstream.addr")

# The configuration: routes bench-0..N-1 with paths /r0../rN-1 over N/10
# services, all to the upstream.
{
	echo '_format_version: "3.0"'
	echo 'services:'
	nsvc=$(( (routes + 9) / 10 ))
	for ((s = 0; s < nsvc; s++)); do
		echo "- name: svc-$s"
		echo "  url: http://$upstream"
		echo "  routes:"
		for ((r = s * 10; r < s * 10 + 10 && r < routes; r++)); do
			echo "  - name: bench-$r"
			echo "    paths: [ \"/r$r\" ]"
		done
	done
} >"$work/config.yaml"

"$work/gantry" hybrid gen_cert "$work/cluster.crt" "$work/cluster.key" >/dev/null

# listener NAME PREFIX: the first address of that listener in PREFIX/listeners.json.
listener() {
	tr -d '\n ' <"$2/listeners.json" | grep -o "\"$1\"[^]]*" | grep -o '"address":"[^"]*"' | head -1 | cut -d'"' -f4
}

# bench_tree NAME BINARY: a fresh CP (with the routes imported) and DP of
# BINARY, the driver against them, then both stopped.
bench_tree() {
	local name=$1 bin=$2 cp_prefix="$work/$1-cp" dp_prefix="$work/$1-dp"
	local common=(GANTRY_CLUSTER_CERT="$work/cluster.crt" GANTRY_CLUSTER_CERT_KEY="$work/cluster.key" GANTRY_LOG_LEVEL=warn GANTRY_STATUS_LISTEN=127.0.0.1:0)
	env "${common[@]}" GANTRY_DATABASE=sqlite "$bin" config db_import "$work/config.yaml" -p "$cp_prefix" >"$work/$name-import.log" 2>&1 ||
		{ echo "$bench_name: import failed:" >&2; cat "$work/$name-import.log" >&2; exit 1; }
	env "${common[@]}" GOMAXPROCS=1 GANTRY_ROLE=control_plane GANTRY_DATABASE=sqlite GANTRY_ADMIN_LISTEN=127.0.0.1:0 \
		GANTRY_CLUSTER_LISTEN=127.0.0.1:0 GANTRY_PROXY_LISTEN=off \
		taskset -c "$other_cpus" "${calm[@]}" "$bin" start -p "$cp_prefix" 2>"$work/$name-cp.log" &
	pids+=($!)
	local cp_pid=$!
	wait_for "$cp_prefix/listeners.json"
	local admin cluster
	admin=$(listener admin "$cp_prefix")
	cluster=$(listener cluster "$cp_prefix")
	env "${common[@]}" GOMAXPROCS=1 GANTRY_ROLE=data_plane GANTRY_DATABASE=off GANTRY_PROXY_LISTEN=127.0.0.1:0 \
		GANTRY_CLUSTER_CONTROL_PLANE="$cluster" \
		taskset -c "$proxy_cpu" "${boost[@]}" "$bin" start -p "$dp_prefix" 2>"$work/$name-dp.log" &
	pids+=($!)
	local dp_pid=$!
	wait_for "$dp_prefix/listeners.json"
	local proxy
	proxy=$(listener proxy "$dp_prefix")
	for _ in $(seq 600); do curl -fsS -o /dev/null "http://$proxy/r$((routes - 1))" 2>/dev/null && break; sleep 0.1; done
	curl -fsS -o /dev/null "http://$proxy/r$((routes - 1))" ||
		{ echo "$bench_name: the data plane ($name) does not serve the routes; its log:" >&2; cat "$work/$name-dp.log" >&2; exit 1; }
	echo "$bench_name: $name: CP admin $admin, DP proxy $proxy (cpu $proxy_cpu), DP RSS $(mem "$dp_pid")" >&2
	local dp_before cp_before
	dp_before=$(cpu_ticks "$dp_pid") cp_before=$(cpu_ticks "$cp_pid")
	taskset -c "$other_cpus" "${boost[@]}" "$work/benchreconfigure" -proxy "$proxy" -admin "$admin" -routes "$routes" -rate "$rate" \
		-rounds "$rounds" -phase "$phase" -warmup "$rwarmup" -settle "$settle" -svg "$3" | tee "$work/$name.out"
	echo "$name: DP cpu $(( ($(cpu_ticks "$dp_pid") - dp_before) * 1000 / hz )) ms, CP cpu $(( ($(cpu_ticks "$cp_pid") - cp_before) * 1000 / hz )) ms; DP $(mem "$dp_pid"); CP $(mem "$cp_pid")"
	kill "$dp_pid" "$cp_pid"
	wait "$dp_pid" "$cp_pid" 2>/dev/null || true
	if [ -n "${BENCH_LOGS:-}" ]; then
		mkdir -p "$BENCH_LOGS" && cp "$work/$name-cp.log" "$work/$name-dp.log" "$BENCH_LOGS/"
	fi
}

echo "$bench_name: load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
if [ -n "$base" ]; then
	echo "== base $base"
	bench_tree base "$work/gantry-base" "${svg%.svg}-base.svg"
	echo "== this tree"
fi
bench_tree new "$work/gantry" "$svg"
echo "$bench_name: load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
# The driver's last line, again as the script's last line.
tail -1 "$work/new.out"
