#!/usr/bin/env bash
# make bench (docs/design.md, "make bench"):
# wrk against 1) the upstream directly, 2) nginx as a
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

bench_name=bench
tools=(wrk nginx taskset go)
# shellcheck source=lib/bench-common.sh
. scripts/lib/bench-common.sh

build
base=${BENCH_BASE:-}
if [ -n "$base" ]; then
	mkdir -p "$work/base-src"
	git archive "$base" | tar -x -C "$work/base-src"
	(cd "$work/base-src" && go build -o "$work/gantry-base" ./cmd/gantry)
fi

start_upstream

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
# start_proxying NAME BINARY: start_gantry, then check that it proxies.
start_proxying() {
	start_gantry "$1" "$2"
	curl -fsS -o /dev/null "http://$gantry_addr/" || { echo "bench: Gantry ($1) does not proxy; its log:" >&2; cat "$work/$1.log" >&2; exit 1; }
}
if [ -n "$base" ]; then
	start_proxying base "$work/gantry-base"
	base_pid=$gantry_pid base_addr=$gantry_addr
fi
start_proxying gantry "$work/gantry"

for _ in $(seq 100); do curl -fsS -o /dev/null "http://127.0.0.1:$nginx_port/" 2>/dev/null && break; sleep 0.1; done
nginx_worker=$(pgrep -P "$nginx_master" | head -1)

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench: wrk -t$threads -c$conns -d$duration (warm-up $warmup); proxies pinned to cpu $proxy_cpu, upstream and wrk to cpu $other_cpus" >&2
run direct "http://$upstream/"
run nginx "http://127.0.0.1:$nginx_port/" "$nginx_worker"
[ -n "$base" ] && run base "http://$base_addr/" "$base_pid"
run gantry "http://$gantry_addr/" "$gantry_pid"

print_results target
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
