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

bench_name=bench-plugins
tools=(wrk taskset go curl)
# shellcheck source=lib/bench-common.sh
. scripts/lib/bench-common.sh
rounds=${BENCH_ROUNDS:-2}

build
start_upstream

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
start_gantry gantry "$work/gantry"

wrk_args=(-H "apikey: bench-key" -H "Origin: https://app.example.com")
check() {
	local out
	out=$(curl -sS -D - -o /dev/null "${wrk_args[@]}" "$1")
	grep -q "^HTTP/1.1 200" <<<"$out" || { echo "bench-plugins: $1 does not answer 200:" >&2; echo "$out" >&2; cat "$work/gantry.log" >&2; exit 1; }
	echo "$out"
}
check "http://$gantry_addr/plain" >/dev/null
# The plugins must really run: rate-limiting and cors headers on the answer.
# (grep reads a variable, not a pipe: under pipefail, grep -q leaving early
# could fail the pipe on SIGPIPE with the headers there.)
answer=$(check "http://$gantry_addr/plugins")
grep -qi '^X-RateLimit-Limit-Hour' <<<"$answer" || { echo "bench-plugins: no rate-limiting headers on /plugins" >&2; exit 1; }
grep -qi '^Access-Control-Allow-Origin' <<<"$answer" || { echo "bench-plugins: no cors headers on /plugins" >&2; exit 1; }

echo "bench-plugins: wrk -t$threads -c$conns -d$duration (warm-up $warmup), $rounds rounds; gantry pinned to cpu $proxy_cpu, upstream and wrk to cpu $other_cpus" >&2
for r in $(seq "$rounds"); do
	run plain "http://$gantry_addr/plain" "$gantry_pid"
	run plugins "http://$gantry_addr/plugins" "$gantry_pid"
done

print_results route
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
