# shellcheck shell=bash
# Shared by scripts/bench.sh and scripts/bench-plugins.sh (sourced, not run):
# the knobs, the core split, the work directory and its cleanup, building,
# starting the upstream and DB-less Gantry nodes, and the wrk runs with CPU
# per request. The caller sets bench_name (the prefix of its messages) and
# tools (what it needs on PATH) before sourcing; sourcing then checks the
# tools, splits the cores and makes $work, removed (and every pid in pids
# killed) on exit.
#
# Knobs (environment): BENCH_DURATION (10s), BENCH_CONNECTIONS (50),
# BENCH_THREADS (1), BENCH_WARMUP (2s).

duration=${BENCH_DURATION:-10s}
conns=${BENCH_CONNECTIONS:-50}
threads=${BENCH_THREADS:-1}
warmup=${BENCH_WARMUP:-2s}
# wrk_args: extra wrk arguments for every run (request headers, say).
wrk_args=()

for tool in "${tools[@]}"; do
	command -v "$tool" >/dev/null || { echo "$bench_name: $tool not found (run scripts/install-deps.sh)" >&2; exit 1; }
done
# The proxy under test gets cpu 0; the upstream and wrk share the others.
ncpu=$(nproc)
proxy_cpu=0
other_cpus=0
[ "$ncpu" -gt 2 ] && other_cpus="1-$((ncpu - 1))"
[ "$ncpu" -eq 2 ] && other_cpus=1

work=$(mktemp -d "${TMPDIR:-/tmp}/gantry-$bench_name.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# build: Gantry and the benchmark upstream into $work.
build() {
	echo "$bench_name: building" >&2
	go build -o "$work/gantry" ./cmd/gantry
	go build -o "$work/benchupstream" ./cmd/benchupstream
}

# wait_for FILE: until FILE exists and is not empty (10 s at most).
wait_for() {
	for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done
	echo "$bench_name: timed out waiting for $1" >&2; return 1
}

# start_upstream: one core's worth of Go on the non-proxy cores; sets
# upstream (host:port).
start_upstream() {
	GOMAXPROCS=1 taskset -c "$other_cpus" "$work/benchupstream" >"$work/upstream.addr" &
	pids+=($!)
	wait_for "$work/upstream.addr"
	upstream=$(head -1 "$work/upstream.addr")
}

# start_gantry NAME BINARY: runs BINARY DB-less on $work/gantry.yaml with
# its own prefix, pinned to the proxy core, without an Admin API; sets
# gantry_pid and gantry_addr (the proxy's address). Its log is $work/NAME.log.
start_gantry() {
	GOMAXPROCS=1 GANTRY_PREFIX="$work/prefix-$1" GANTRY_DATABASE=off GANTRY_DECLARATIVE_CONFIG="$work/gantry.yaml" \
		GANTRY_PROXY_LISTEN=127.0.0.1:0 GANTRY_STATUS_LISTEN=127.0.0.1:0 GANTRY_ADMIN_LISTEN=off GANTRY_LOG_LEVEL=warn \
		taskset -c "$proxy_cpu" "$2" start 2>"$work/$1.log" &
	pids+=($!)
	gantry_pid=$!
	wait_for "$work/prefix-$1/listeners.json"
	# listeners.json lists "proxy" first: its first address is the proxy's.
	gantry_addr=$(grep -m1 '"address"' "$work/prefix-$1/listeners.json" | sed 's/.*"address": *"\([^"]*\)".*/\1/')
}

# cpu_ticks PID: user+system CPU time the process has used, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# run NAME URL [PID]: warm up, then measure; appends "NAME req/s p50 p99
# cpu_us_per_request [# errors]" to $work/results (cpu of PID, the proxy;
# "-" without one). CPU per request compares the proxies' efficiency even
# when the load generator, not the proxy, is what limits req/s (as on a
# 2-core machine).
run() {
	taskset -c "$other_cpus" wrk -t"$threads" -c"$conns" -d"$warmup" "${wrk_args[@]}" "$2" >/dev/null
	local before=0
	[ -n "${3:-}" ] && before=$(cpu_ticks "$3")
	taskset -c "$other_cpus" wrk -t"$threads" -c"$conns" -d"$duration" --latency "${wrk_args[@]}" "$2" >"$work/$1.wrk"
	local ticks=-1
	[ -n "${3:-}" ] && ticks=$(( $(cpu_ticks "$3") - before ))
	awk -v name="$1" -v ticks="$ticks" -v hz="$hz" '
		function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
		/requests in/ { total = $1 }
		/Requests\/sec:/ { rps = $2 }
		$1 == "50%" { p50 = ms($2) }
		$1 == "99%" { p99 = ms($2) }
		/Non-2xx|Socket errors/ { errs = errs " " $0 }
		END {
			cpu = (ticks < 0 || total == 0) ? "-" : sprintf("%.1f", ticks * 1e6 / hz / total)
			printf "%s %s %s %s %s%s\n", name, rps, p50, p99, cpu, (errs == "" ? "" : " #" errs)
		}' "$work/$1.wrk" >>"$work/results"
}

# print_results LABEL: $work/results as a table whose first column is LABEL.
print_results() {
	echo
	printf '%-8s %12s %10s %10s %14s\n' "$1" 'req/s' 'p50 ms' 'p99 ms' 'cpu us/req'
	while read -r name rps p50 p99 cpu rest; do
		printf '%-8s %12.0f %10.3f %10.3f %14s %s\n' "$name" "$rps" "$p50" "$p99" "$cpu" "$rest"
	done <"$work/results"
}

# mem PID: the process's resident memory now and at its peak.
mem() { awk '/VmRSS|VmHWM/ { printf "%s %s kB  ", $1, $2 }' "/proc/$1/status"; }
