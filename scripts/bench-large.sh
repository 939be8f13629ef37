#!/usr/bin/env bash
# make bench-large: large configurations through a real control plane and
# data plane. For each case the script writes a declarative file, starts a
# control plane (SQLite) and a data plane on one cluster certificate,
# imports the file with `gantry config db_import`, and waits until the data
# plane serves it (the last consumer's key answers 200, or the last route).
# It prints, per case: the import time, the time from the import's start to
# the DP serving, the CP's version build (index and encodings), its full
# payload build (document and compression, done when the DP asks for it)
# and the DP's apply as each logs them, the compressed payload and the
# number of push messages (chunks), the peak resident memory (VmHWM) of
# the CP and the DP, and the cost of a change (see BENCH_LARGE_CHANGES).
#
# Cases (BENCH_LARGE_CASES, space-separated; default
# "consumers:100 consumers:10000 consumers:100000 routes:10000"):
#   consumers:N  N consumers, each with one key-auth credential (2N entities),
#                plus one service and route with key-auth
#   routes:N     N services, N routes, and N/10 plugin instances
# BENCH_LARGE_1M=1 adds consumers:1000000 (minutes, several GB of memory).
# BENCH_LARGE_TIMEOUT: seconds to wait for the DP to serve (default 900).
# BENCH_LARGE_CHANGES: Admin API changes made once the DP serves, one at a
# time, each moving the served route to a new path (default 5); the script
# prints the median time from the write to the DP serving it and the CP's
# CPU time (user + system) per change.
# BENCH_LARGE_APPLY_WAIT: seconds to wait, once the DP serves, for its log of
# the apply (default 120; 0 for a binary that does not log it).
# DP empty / DP idle: the DP's VmRSS (MB) connected with an empty
# configuration, and BENCH_LARGE_SETTLE seconds (default 3) after the last
# change. BENCH_LARGE_PROCS (default "1 2 8"; empty skips): for routes
# cases, the DP restarted from its cache with each GOMAXPROCS, its VmRSS
# idle and after BENCH_LARGE_CONNS (default 256) wrk connections.
# GANTRY_BIN: a gantry binary to use instead of building one (the test that
# runs this script in a short mode passes its own).
set -euo pipefail
cd "$(dirname "$0")/.."

cases=${BENCH_LARGE_CASES:-"consumers:100 consumers:10000 consumers:100000 routes:10000"}
[ "${BENCH_LARGE_1M:-}" = 1 ] && cases="$cases consumers:1000000"
timeout=${BENCH_LARGE_TIMEOUT:-900}
apply_wait=${BENCH_LARGE_APPLY_WAIT:-120}
changes=${BENCH_LARGE_CHANGES:-5}
settle=${BENCH_LARGE_SETTLE:-3}
procs=${BENCH_LARGE_PROCS-"1 2 8"}
conns=${BENCH_LARGE_CONNS:-256}

for tool in go curl awk; do
	command -v "$tool" >/dev/null || { echo "bench-large: $tool not found" >&2; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/gantry-bench-large.XXXXXX")
pids=()
cleanup() {
	local rc=$?
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	if [ "$rc" != 0 ]; then
		echo "bench-large: failed (exit $rc); logs kept in $work" >&2
		return
	fi
	rm -rf "$work"
}
trap cleanup EXIT

if [ -n "${GANTRY_BIN:-}" ]; then
	cp "$GANTRY_BIN" "$work/gantry"
else
	echo "bench-large: building" >&2
	go build -o "$work/gantry" ./cmd/gantry
fi
"$work/gantry" hybrid gen_cert "$work/cluster.crt" "$work/cluster.key" >/dev/null

now() { date +%s.%N; }
# wait_for FILE: until FILE exists and is not empty (30 s at most).
wait_for() {
	for _ in $(seq 300); do [ -s "$1" ] && return 0; sleep 0.1; done
	echo "bench-large: timed out waiting for $1" >&2; return 1
}
# listener PREFIX NAME: the first address of listener NAME in PREFIX/listeners.json.
listener() {
	tr -d '\n ' <"$1/listeners.json" | grep -o "\"$2\":\[{[^]]*" | grep -o '"address":"[^"]*"' | head -1 | cut -d'"' -f4
}
# cpu_ticks PID: user+system CPU time the process has used, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
hwm() { awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
# logged FILE MSG FIELD: FIELD of the last line of FILE with msg="MSG".
# "-" when there is none.
logged() {
	local v
	v=$(grep "msg=\"$2\"" "$1" | tail -1 | grep -o "$3=[^ ]*" | cut -d= -f2 | tr -d '"') || true
	echo "${v:--}"
}

rss() { awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
# start_dp DIR PROCS: a data plane with prefix DIR/dp and GOMAXPROCS=PROCS
# (its log appended to DIR/dp.log); sets dp_pid and proxy.
start_dp() {
	rm -f "$1/dp/listeners.json"
	env GOMAXPROCS="$2" GANTRY_PREFIX="$1/dp" GANTRY_ROLE=data_plane GANTRY_DATABASE=off \
		GANTRY_PROXY_LISTEN=127.0.0.1:0 GANTRY_STATUS_LISTEN=127.0.0.1:0 GANTRY_CLUSTER_CONTROL_PLANE="$cluster" \
		GANTRY_CLUSTER_CERT="$work/cluster.crt" GANTRY_CLUSTER_CERT_KEY="$work/cluster.key" GANTRY_LOG_LEVEL=info \
		"$work/gantry" start 2>>"$1/dp.log" &
	dp_pid=$!
	pids+=("$dp_pid")
	wait_for "$1/dp/listeners.json"
	proxy=$(listener "$1/dp" proxy)
}

# gen KIND N FILE: the declarative JSON of a case.
gen() {
	awk -v kind="$1" -v n="$2" 'BEGIN {
		printf "{\"_format_version\":\"3.0\",\"services\":["
		if (kind == "consumers") {
			printf "{\"name\":\"s\",\"url\":\"http://127.0.0.1:9\",\"routes\":[{\"name\":\"ka\",\"paths\":[\"/ka\"],\"plugins\":["
			printf "{\"name\":\"key-auth\"},{\"name\":\"request-termination\",\"config\":{\"status_code\":200,\"message\":\"ok\"}}]}]}"
			printf "],\"consumers\":["
			for (i = 0; i < n; i++)
				printf "%s{\"username\":\"c%d\",\"keyauth_credentials\":[{\"key\":\"key-%d\"}]}", (i ? "," : ""), i, i
			print "]}"
		} else {
			for (i = 0; i < n; i++) {
				printf "%s{\"name\":\"s%d\",\"url\":\"http://127.0.0.1:9/%d\",\"routes\":[{\"name\":\"r%d\",\"paths\":[\"/r%d\"]", (i ? "," : ""), i, i, i, i
				if (i % 10 == 9)
					printf ",\"plugins\":[{\"name\":\"request-termination\",\"config\":{\"status_code\":200,\"message\":\"r%d\"}}]", i
				printf "}]}"
			}
			print "]}"
		}
	}' >"$3"
}

printf '%-18s %9s %9s %9s %9s %9s %11s %6s %8s %8s %10s %10s %9s %9s\n' case 'import s' 'serve s' 'cp build' 'cp full' 'dp apply' 'compressed' chunks 'CP MB' 'DP MB' 'change ms' 'CP cpu ms' 'DP empty' 'DP idle' >"$work/results"
: >"$work/procs"
for c in $cases; do
	kind=${c%%:*} n=${c#*:}
	dir="$work/$kind-$n"
	mkdir -p "$dir"
	echo "bench-large: $c: generating" >&2
	gen "$kind" "$n" "$dir/config.json"
	if [ "$kind" = consumers ]; then
		url_path=/ka hdr="apikey: key-$((n - 1))" route=ka
	else
		last=$(( (n - 1) / 10 * 10 + 9 ))
		[ "$last" -ge "$n" ] && last=$((last - 10))
		url_path=/r$last hdr="X-Bench: 1" route=r$last
	fi
	cpvars=(GANTRY_PREFIX="$dir/cp" GANTRY_ROLE=control_plane GANTRY_DATABASE=sqlite
		GANTRY_ADMIN_LISTEN=127.0.0.1:0 GANTRY_STATUS_LISTEN=127.0.0.1:0 GANTRY_PROXY_LISTEN=off GANTRY_CLUSTER_LISTEN=127.0.0.1:0
		GANTRY_CLUSTER_CERT="$work/cluster.crt" GANTRY_CLUSTER_CERT_KEY="$work/cluster.key" GANTRY_LOG_LEVEL=debug)
	env "${cpvars[@]}" "$work/gantry" start 2>"$dir/cp.log" &
	cp_pid=$!
	pids+=("$cp_pid")
	wait_for "$dir/cp/listeners.json"
	cluster=$(listener "$dir/cp" cluster)
	start_dp "$dir" 1
	for _ in $(seq 100); do grep -q "connected to the control plane" "$dir/dp.log" && break; sleep 0.1; done
	sleep "$settle"
	dp_empty=$(rss "$dp_pid")

	echo "bench-large: $c: importing" >&2
	t0=$(now)
	env "${cpvars[@]}" "$work/gantry" config db_import "$dir/config.json" >"$dir/import.log" 2>&1 ||
		{ echo "bench-large: $c: import failed" >&2; cat "$dir/import.log" >&2; exit 1; }
	t1=$(now)
	served=""
	while awk -v t0="$t0" -v now="$(now)" -v max="$timeout" 'BEGIN { exit !(now - t0 < max) }'; do
		code=$(curl -s -o /dev/null -w '%{http_code}' -H "$hdr" "http://$proxy$url_path" || true)
		if [ "$code" = 200 ]; then served=$(now); break; fi
		kill -0 "$dp_pid" 2>/dev/null || { echo "bench-large: $c: the data plane died" >&2; tail -20 "$dir/dp.log" >&2; exit 1; }
		kill -0 "$cp_pid" 2>/dev/null || { echo "bench-large: $c: the control plane died" >&2; tail -20 "$dir/cp.log" >&2; exit 1; }
		sleep 0.1
	done
	[ -n "$served" ] || { echo "bench-large: $c: the data plane did not serve within ${timeout}s" >&2; tail -5 "$dir/cp.log" "$dir/dp.log" >&2; exit 1; }
	# The DP serves once the configuration is swapped in; it logs the
	# apply after writing its config cache.
	for _ in $(seq "$((apply_wait * 10))"); do grep -q 'msg="configuration push applied"' "$dir/dp.log" && break; sleep 0.1; done
	build=$(logged "$dir/cp.log" "new configuration version" took)
	apply=$(logged "$dir/dp.log" "configuration push applied" took)
	full=$(logged "$dir/cp.log" "full configuration payload built" took)
	bytes=$(logged "$dir/cp.log" "full configuration payload built" compressed_bytes)
	chunks=$(logged "$dir/cp.log" "configuration pushed" chunks)
	cp_mb=$(hwm "$cp_pid") dp_mb=$(hwm "$dp_pid")

	# Changes: move the served route to a new path through the Admin API,
	# one at a time, each until the DP serves it; the median time from the
	# write to the DP serving, and the CP's CPU time per change.
	admin=$(listener "$dir/cp" admin)
	ticks0=$(cpu_ticks "$cp_pid")
	: >"$dir/changes"
	for i in $(seq "$changes"); do
		c0=$(now)
		curl -sf -o /dev/null -X PATCH -H 'Content-Type: application/json' -d "{\"paths\":[\"/chg$i\"]}" "http://$admin/routes/$route" ||
			{ echo "bench-large: $c: PATCH /routes/$route failed" >&2; exit 1; }
		ok=""
		for _ in $(seq 600); do
			if [ "$(curl -s -o /dev/null -w '%{http_code}' -H "$hdr" "http://$proxy/chg$i" || true)" = 200 ]; then ok=1; break; fi
			sleep 0.01
		done
		[ -n "$ok" ] || { echo "bench-large: $c: change $i not served within 60 s" >&2; exit 1; }
		awk -v a="$c0" -v b="$(now)" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }' >>"$dir/changes"
	done
	change_ms=- cpu_ms=-
	if [ "$changes" -gt 0 ]; then
		change_ms=$(sort -g "$dir/changes" | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }')
		cpu_ms=$(( ($(cpu_ticks "$cp_pid") - ticks0) * 1000 / hz / changes ))
	fi
	sleep "$settle"
	dp_idle=$(rss "$dp_pid")
	awk -v c="$c" -v t0="$t0" -v t1="$t1" -v s="$served" -v b="$build" -v f="$full" -v a="$apply" -v by="$bytes" -v ch="$chunks" -v cm="$cp_mb" -v dm="$dp_mb" -v cg="$change_ms" -v cu="$cpu_ms" -v de="$dp_empty" -v di="$dp_idle" \
		'BEGIN { printf "%-18s %9.2f %9.2f %9s %9s %9s %11s %6s %8s %8s %10s %10s %9s %9s\n", c, t1 - t0, s - t0, b, f, a, by, ch, cm, dm, cg, cu, de, di }' | tee -a "$work/results" >&2
	# Memory by GOMAXPROCS and by connections (worker goroutines): the DP
	# restarted from its cache with each BENCH_LARGE_PROCS value, idle,
	# then after BENCH_LARGE_CONNS keep-alive connections of wrk.
	if [ "$kind" = routes ] && [ -n "$procs" ]; then
		for p in $procs; do
			kill "$dp_pid"
			wait "$dp_pid" 2>/dev/null || true
			start_dp "$dir" "$p"
			for _ in $(seq 600); do
				[ "$(curl -s -o /dev/null -w '%{http_code}' -H "$hdr" "http://$proxy/chg$changes" || true)" = 200 ] && break
				sleep 0.1
			done
			sleep "$settle"
			idle=$(rss "$dp_pid")
			loaded=-
			if command -v wrk >/dev/null; then
				wrk -t 1 -c "$conns" -d 3s -H "$hdr" "http://$proxy/chg$changes" >/dev/null 2>&1 || true
				loaded=$(rss "$dp_pid")
			fi
			printf '%-18s GOMAXPROCS=%-3s DP idle %5s MB, after %s connections %5s MB\n' "$c" "$p" "$idle" "$conns" "$loaded" | tee -a "$work/procs" >&2
		done
	fi
	kill "$dp_pid" "$cp_pid"
	wait "$dp_pid" "$cp_pid" 2>/dev/null || true
	rm -rf "$dir"
done
echo
cat "$work/results"
if [ -s "$work/procs" ]; then
	echo
	cat "$work/procs"
fi
