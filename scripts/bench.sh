#!/usr/bin/env bash
# make bench (SPEC §10): wrk against 1) the upstream directly, 2) nginx as a
# plain reverse proxy, 3) Gantry (DB-less); same upstream, connections and
# duration. Each proxy runs on one core (GOMAXPROCS=1 / worker_processes 1)
# pinned with taskset; the upstream and wrk share the other core(s).
# Prints req/s, p50 and p99 for each, the ratios Gantry/nginx and
# Gantry/direct, each proxy's memory (VmRSS, VmHWM), and the machine's
# load average before and after (on a shared machine it says how far to
# trust the run).
#
# Knobs (environment): BENCH_DURATION (10s), BENCH_CONNECTIONS (50),
# BENCH_THREADS (1), BENCH_WARMUP (2s), BENCH_BASE (a git revision: also
# run the Gantry of that commit, as "base", to compare before and after
# a change under the same conditions).
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${BENCH_DURATION:-10s}
conns=${BENCH_CONNECTIONS:-50}
threads=${BENCH_THREADS:-1}
warmup=${BENCH_WARMUP:-2s}

for tool in wrk nginx taskset go; do
	command -v "$tool" >/dev/null || { echo "bench: $tool not found (run scripts/install-deps.sh)" >&2; exit 1; }
done
ncpu=$(nproc)
proxy_cpu=0
other_cpus=0
[ "$ncpu" -gt 2 ] && other_cpus="1-$((ncpu - 1))"
[ "$ncpu" -eq 2 ] && other_cpus=1

work=$(mktemp -d "${TMPDIR:-/tmp}/gantry-bench.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

echo "bench: building" >&2
go build -o "$work/gantry" ./cmd/gantry
base=${BENCH_BASE:-}
if [ -n "$base" ]; then
	mkdir -p "$work/base-src"
	git archive "$base" | tar -x -C "$work/base-src"
	(cd "$work/base-src" && go build -o "$work/gantry-base" ./cmd/gantry)
fi
go build -o "$work/benchupstream" ./cmd/benchupstream

# wait_for FILE: until FILE exists and is not empty (10 s at most).
wait_for() {
	for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done
	echo "bench: timed out waiting for $1" >&2; return 1
}

# The upstream: one core's worth of Go, on the non-proxy cores.
GOMAXPROCS=1 taskset -c "$other_cpus" "$work/benchupstream" >"$work/upstream.addr" &
pids+=($!)
wait_for "$work/upstream.addr"
upstream=$(head -1 "$work/upstream.addr")

# nginx: one worker, keep-alive to the upstream, no logs.
# free_port: a random port nothing answers on (bash's /dev/tcp, no python needed).
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 40000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
}
nginx_port=$(free_port)
mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
user $(id -un) $(id -gn);
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    upstream backend { server $upstream; keepalive 64; }
    server {
        listen 127.0.0.1:$nginx_port;
        location / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
CONF
taskset -c "$proxy_cpu" nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" &
pids+=($!)
nginx_master=$!

# Gantry: DB-less, one service and one catch-all route to the same upstream.
cat >"$work/gantry.yaml" <<YAML
_format_version: "3.0"
services:
- name: bench
  url: http://$upstream
  routes:
  - name: all
    paths: [ "/" ]
YAML
# start_gantry NAME BINARY: runs BINARY with its own prefix; sets
# gantry_pid and gantry_addr.
start_gantry() {
	GOMAXPROCS=1 GANTRY_PREFIX="$work/prefix-$1" GANTRY_DATABASE=off GANTRY_DECLARATIVE_CONFIG="$work/gantry.yaml" \
		GANTRY_PROXY_LISTEN=127.0.0.1:0 GANTRY_STATUS_LISTEN=127.0.0.1:0 GANTRY_ADMIN_LISTEN=off GANTRY_LOG_LEVEL=warn \
		taskset -c "$proxy_cpu" "$2" start 2>"$work/$1.log" &
	pids+=($!)
	gantry_pid=$!
	wait_for "$work/prefix-$1/listeners.json"
	# listeners.json lists "proxy" first: its first address is the proxy's.
	gantry_addr=$(grep -m1 '"address"' "$work/prefix-$1/listeners.json" | sed 's/.*"address": *"\([^"]*\)".*/\1/')
	curl -fsS -o /dev/null "http://$gantry_addr/" || { echo "bench: Gantry ($1) does not proxy; its log:" >&2; cat "$work/$1.log" >&2; exit 1; }
}
if [ -n "$base" ]; then
	start_gantry base "$work/gantry-base"
	base_pid=$gantry_pid base_addr=$gantry_addr
fi
start_gantry gantry "$work/gantry"

for _ in $(seq 100); do curl -fsS -o /dev/null "http://127.0.0.1:$nginx_port/" 2>/dev/null && break; sleep 0.1; done
nginx_worker=$(pgrep -P "$nginx_master" | head -1)

# cpu_ticks PID: user+system CPU time the process has used, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# run NAME URL [PID]: warm up, then measure; appends "NAME req/s p50 p99
# cpu_us_per_request" to results (cpu of PID, the proxy; "-" without one).
# CPU per request compares the proxies' efficiency even when the load
# generator, not the proxy, is what limits req/s (as on a 2-core machine).
run() {
	taskset -c "$other_cpus" wrk -t"$threads" -c"$conns" -d"$warmup" "$2" >/dev/null
	local before=0
	[ -n "${3:-}" ] && before=$(cpu_ticks "$3")
	taskset -c "$other_cpus" wrk -t"$threads" -c"$conns" -d"$duration" --latency "$2" >"$work/$1.wrk"
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
mem() { awk '/VmRSS|VmHWM/ { printf "%s %s kB  ", $1, $2 }' "/proc/$1/status"; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench: wrk -t$threads -c$conns -d$duration (warm-up $warmup); proxies pinned to cpu $proxy_cpu, upstream and wrk to cpu $other_cpus" >&2
run direct "http://$upstream/"
run nginx "http://127.0.0.1:$nginx_port/" "$nginx_worker"
[ -n "$base" ] && run base "http://$base_addr/" "$base_pid"
run gantry "http://$gantry_addr/" "$gantry_pid"

echo
printf '%-8s %12s %10s %10s %14s\n' target 'req/s' 'p50 ms' 'p99 ms' 'cpu us/req'
while read -r name rps p50 p99 cpu rest; do
	printf '%-8s %12.0f %10.3f %10.3f %14s %s\n' "$name" "$rps" "$p50" "$p99" "$cpu" "$rest"
done <"$work/results"
awk '{ rps[$1] = $2; p99[$1] = $4; cpu[$1] = $5 } END {
	printf "\ngantry/nginx  req/s %.2f  p99 %.2f  cpu per request %.2f\n", rps["gantry"] / rps["nginx"], p99["gantry"] / p99["nginx"], cpu["gantry"] / cpu["nginx"]
	printf "gantry/direct req/s %.2f  p99 %.2f\n", rps["gantry"] / rps["direct"], p99["gantry"] / p99["direct"]
	if ("base" in rps) printf "gantry/base   req/s %.2f  p99 %.2f  cpu per request %.2f\n", rps["gantry"] / rps["base"], p99["gantry"] / p99["base"], cpu["gantry"] / cpu["base"]
}' "$work/results"
echo
echo "load average: $load_before before, $(cut -d' ' -f1-3 /proc/loadavg) after"
echo
echo "memory after the run:"
echo "  nginx worker  $(mem "$nginx_worker")"
echo "  nginx master  $(mem "$nginx_master")"
[ -n "$base" ] && echo "  gantry base   $(mem "$base_pid")"
echo "  gantry        $(mem "$gantry_pid")"
