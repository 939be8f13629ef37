#!/usr/bin/env bash
# make bench-plugins: what the typical plugin set costs on the proxy. One
# DB-less Gantry node (GOMAXPROCS=1, pinned to one core with taskset) serves
# two routes to the same upstream: /plain with no plugin, and /plugins with
# key-auth + rate-limiting (local) + prometheus + cors. wrk measures both
# side by side in one run, alternating, BENCH_ROUNDS times each; the script
# prints req/s, p50, p99 and Gantry's CPU time per request for every run,
# then the plugins/plain ratios of the medians.
#
# Knobs (environment): BENCH_DURATION (10s), BENCH_CONNECTIONS (50),
# BENCH_THREADS (1), BENCH_WARMUP (2s), BENCH_ROUNDS (2).
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${BENCH_DURATION:-10s}
conns=${BENCH_CONNECTIONS:-50}
threads=${BENCH_THREADS:-1}
warmup=${BENCH_WARMUP:-2s}
rounds=${BENCH_ROUNDS:-2}

for tool in wrk taskset go curl; do
	command -v "$tool" >/dev/null || { echo "bench-plugins: $tool not found (run scripts/install-deps.sh)" >&2; exit 1; }
done
ncpu=$(nproc)
proxy_cpu=0
other_cpus=0
[ "$ncpu" -gt 2 ] && other_cpus="1-$((ncpu - 1))"
[ "$ncpu" -eq 2 ] && other_cpus=1

work=$(mktemp -d "${TMPDIR:-/tmp}/gantry-bench-plugins.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

echo "bench-plugins: building" >&2
go build -o "$work/gantry" ./cmd/gantry
go build -o "$work/benchupstream" ./cmd/benchupstream

wait_for() {
	for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done
	echo "bench-plugins: timed out waiting for $1" >&2; return 1
}

GOMAXPROCS=1 taskset -c "$other_cpus" "$work/benchupstream" >"$work/upstream.addr" &
pids+=($!)
wait_for "$work/upstream.addr"
upstream=$(head -1 "$work/upstream.addr")

# The limit is never reached: the benchmark measures counting, not 429s.
cat >"$work/gantry.yaml" <<YAML
_format_version: "3.0"
services:
- name: bench
  url: http://$upstream
  routes:
  - name: plain
    paths: [ "/plain" ]
    strip_path: true
  - name: plugins
    paths: [ "/plugins" ]
    strip_path: true
    plugins:
    - name: key-auth
    - name: rate-limiting
      config: { hour: 1000000000000, policy: local }
    - name: prometheus
    - name: cors
      config: { origins: [ "https://app.example.com" ] }
consumers:
- username: bench
  keyauth_credentials:
  - key: bench-key
YAML
GOMAXPROCS=1 GANTRY_PREFIX="$work/prefix" GANTRY_DATABASE=off GANTRY_DECLARATIVE_CONFIG="$work/gantry.yaml" \
	GANTRY_PROXY_LISTEN=127.0.0.1:0 GANTRY_STATUS_LISTEN=127.0.0.1:0 GANTRY_LOG_LEVEL=warn \
	taskset -c "$proxy_cpu" "$work/gantry" start 2>"$work/gantry.log" &
pids+=($!)
gantry_pid=$!
wait_for "$work/prefix/listeners.json"
gantry_addr=$(grep -m1 '"address"' "$work/prefix/listeners.json" | sed 's/.*"address": *"\([^"]*\)".*/\1/')

headers=(-H "apikey: bench-key" -H "Origin: https://app.example.com")
check() {
	local out
	out=$(curl -sS -D - -o /dev/null "${headers[@]}" "$1")
	grep -q "^HTTP/1.1 200" <<<"$out" || { echo "bench-plugins: $1 does not answer 200:" >&2; echo "$out" >&2; cat "$work/gantry.log" >&2; exit 1; }
	echo "$out"
}
check "http://$gantry_addr/plain" >/dev/null
# The plugins must really run: rate-limiting and cors headers on the answer.
check "http://$gantry_addr/plugins" | grep -qi '^X-RateLimit-Limit-Hour' || { echo "bench-plugins: no rate-limiting headers on /plugins" >&2; exit 1; }
check "http://$gantry_addr/plugins" | grep -qi '^Access-Control-Allow-Origin' || { echo "bench-plugins: no cors headers on /plugins" >&2; exit 1; }

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# run NAME URL: warm up, then measure; appends "NAME req/s p50 p99
# cpu_us_per_request [# errors]" to results.
run() {
	taskset -c "$other_cpus" wrk -t"$threads" -c"$conns" -d"$warmup" "${headers[@]}" "$2" >/dev/null
	local before
	before=$(cpu_ticks "$gantry_pid")
	taskset -c "$other_cpus" wrk -t"$threads" -c"$conns" -d"$duration" --latency "${headers[@]}" "$2" >"$work/$1.wrk"
	local ticks=$(( $(cpu_ticks "$gantry_pid") - before ))
	awk -v name="$1" -v ticks="$ticks" -v hz="$hz" '
		function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
		/requests in/ { total = $1 }
		/Requests\/sec:/ { rps = $2 }
		$1 == "50%" { p50 = ms($2) }
		$1 == "99%" { p99 = ms($2) }
		/Non-2xx|Socket errors/ { errs = errs " " $0 }
		END {
			cpu = total == 0 ? "-" : sprintf("%.1f", ticks * 1e6 / hz / total)
			printf "%s %s %s %s %s%s\n", name, rps, p50, p99, cpu, (errs == "" ? "" : " #" errs)
		}' "$work/$1.wrk" >>"$work/results"
}

echo "bench-plugins: wrk -t$threads -c$conns -d$duration (warm-up $warmup), $rounds rounds; gantry pinned to cpu $proxy_cpu, upstream and wrk to cpu $other_cpus" >&2
for r in $(seq "$rounds"); do
	run plain "http://$gantry_addr/plain"
	run plugins "http://$gantry_addr/plugins"
done

echo
printf '%-8s %12s %10s %10s %14s\n' route 'req/s' 'p50 ms' 'p99 ms' 'cpu us/req'
while read -r name rps p50 p99 cpu rest; do
	printf '%-8s %12.0f %10.3f %10.3f %14s %s\n' "$name" "$rps" "$p50" "$p99" "$cpu" "$rest"
done <"$work/results"
# Medians per route (of req/s, p99 and cpu separately), then the ratios.
for name in plain plugins; do
	for col in 2 4 5; do
		awk -v n="$name" -v c="$col" '$1 == n { print $c }' "$work/results" | sort -g |
			awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
	done | paste -sd' ' | sed "s/^/$name /"
done >"$work/medians"
awk '{ rps[$1] = $2; p99[$1] = $3; cpu[$1] = $4 } END {
	printf "\nmedians   plain: %.0f req/s, p99 %.3f ms, %.1f us cpu/req   plugins: %.0f req/s, p99 %.3f ms, %.1f us cpu/req\n", rps["plain"], p99["plain"], cpu["plain"], rps["plugins"], p99["plugins"], cpu["plugins"]
	printf "plugins/plain  req/s %.2f  p99 %.2f  cpu per request %.2f\n", rps["plugins"] / rps["plain"], p99["plugins"] / p99["plain"], cpu["plugins"] / cpu["plain"]
}' "$work/medians"
