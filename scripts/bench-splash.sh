#!/usr/bin/env bash
# Benchmark of the splash path: antoan rendering the splash (rotation, token, template) against
# nginx serving the same rendered page as a static file, both measured with wrk on loopback in
# the same run. Prints a Markdown table; docs/PERFORMANCE.md records the figures.
#
# Usage: scripts/bench-splash.sh [seconds per run, default 10] [rounds, default 3]
# Every load is bounded by wrk's -d; everything listens on 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-10}
rounds=${2:-3}
# All requests come from 127.0.0.1, one device to antoan, whose per-client connection cap is 32.
connections=24
antoan_port=18480
nginx_port=18482

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx-light)
command -v curl >/dev/null || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
cargo build --release --quiet

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

ANTOAN_LOG=warn target/release/antoan demo --listen "127.0.0.1:$antoan_port" --admin-listen 127.0.0.1:0 >"$work/antoan.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do curl -fsS -o /dev/null "http://127.0.0.1:$antoan_port/api/captive" && break; sleep 0.1; done

mkdir -p "$work/www/assets"
curl -fsS "http://127.0.0.1:$antoan_port/" -o "$work/www/index.html"
cp splash/assets/style.css "$work/www/assets/"
chmod -R a+rX "$work"
cat >"$work/nginx.conf" <<CONF
worker_processes auto;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    types { text/html html; text/css css; }
    server {
        listen 127.0.0.1:$nginx_port;
        root $work/www;
        location / { add_header Cache-Control no-store; }
    }
}
CONF
nginx -c "$work/nginx.conf" &
pids+=($!)
for _ in $(seq 50); do curl -fsS -o /dev/null "http://127.0.0.1:$nginx_port/" && break; sleep 0.1; done

measure() {
    local url=$1 output
    output=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency "$url")
    local rps p99
    rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$output")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$output")
    echo "$rps $p99"
}

to_ms() {
    # wrk prints latencies as 812.00us, 1.20ms or 1.02s.
    awk -v value="$1" 'BEGIN {
        if (value ~ /us$/) { sub(/us$/, "", value); print value / 1000 }
        else if (value ~ /ms$/) { sub(/ms$/, "", value); print value + 0 }
        else if (value ~ /s$/) { sub(/s$/, "", value); print value * 1000 } }'
}

echo "| round | server | requests/s | p99 latency (ms) |"
echo "|---|---|---|---|"
antoan_total=0
nginx_total=0
antoan_p99_total=0
nginx_p99_total=0
for round in $(seq "$rounds"); do
    read -r nginx_rps nginx_p99 < <(measure "http://127.0.0.1:$nginx_port/index.html")
    read -r antoan_rps antoan_p99 < <(measure "http://127.0.0.1:$antoan_port/")
    nginx_p99=$(to_ms "$nginx_p99")
    antoan_p99=$(to_ms "$antoan_p99")
    echo "| $round | nginx (static file) | $nginx_rps | $nginx_p99 |"
    echo "| $round | antoan (splash) | $antoan_rps | $antoan_p99 |"
    antoan_total=$(awk -v a="$antoan_total" -v b="$antoan_rps" 'BEGIN {print a + b}')
    nginx_total=$(awk -v a="$nginx_total" -v b="$nginx_rps" 'BEGIN {print a + b}')
    antoan_p99_total=$(awk -v a="$antoan_p99_total" -v b="$antoan_p99" 'BEGIN {print a + b}')
    nginx_p99_total=$(awk -v a="$nginx_p99_total" -v b="$nginx_p99" 'BEGIN {print a + b}')
done
awk -v a="$antoan_total" -v n="$nginx_total" -v ap="$antoan_p99_total" -v np="$nginx_p99_total" -v r="$rounds" 'BEGIN {
    printf "\nMean over %d rounds: antoan %.0f req/s, nginx %.0f req/s; throughput ratio antoan/nginx = %.2f\n", r, a / r, n / r, a / n
    printf "Mean p99: antoan %.2f ms, nginx %.2f ms; p99 ratio antoan/nginx = %.2f\n", ap / r, np / r, ap / np
}'
echo "Page size: $(wc -c <"$work/www/index.html") bytes HTML, $(wc -c <"$work/www/assets/style.css") bytes CSS"
