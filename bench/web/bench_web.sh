#!/usr/bin/env bash
# The web benchmark (issue 5): a user with 100 hosts and 30 days of 60-second rounds; wrk for 20 s at 50
# connections against /report and /report/{id}?range=30d, and, in the same run, nginx serving the same bytes
# as static files (each page is compared with nginx serving its own bytes). Prints requests/s, p50/p99 latency and the ratio to nginx. Localhost only.
# Environment: BENCH_DURATION (20s), BENCH_CONNECTIONS (50), BENCH_HOSTS (100), BENCH_DAYS (30).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build_dir=$(cd "$here/../.." && pwd)
binary="$build_dir/semaphore"
seed="$here/bench_web_seed"
duration=${BENCH_DURATION:-20s}
connections=${BENCH_CONNECTIONS:-50}
hosts=${BENCH_HOSTS:-100}
days=${BENCH_DAYS:-30}

for tool in wrk nginx curl; do
  command -v "$tool" >/dev/null || { echo "bench_web: $tool is missing (scripts/bootstrap --test)" >&2; exit 1; }
done
work=$(mktemp -d /tmp/semaphore-bench-web.XXXXXX)
server_pid=""
nginx_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  [[ -n "$nginx_pid" ]] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

echo "seeding: $hosts hosts x $days days of 60 s rounds (SQLite)..."
seed_started=$(date +%s)
seed_out=$("$seed" "sqlite:$work/bench.db" "$hosts" "$days" 60) || { echo "seeding failed" >&2; exit 1; }
first_host=$(sed -E 's/.*first_host=([0-9]+).*/\1/' <<<"$seed_out")
echo "seeded $(sed -E 's/rows=([0-9]+).*/\1/' <<<"$seed_out") rounds in $(( $(date +%s) - seed_started )) s"

port=$(free_port)
"$binary" serve --db "sqlite:$work/bench.db" --listen "127.0.0.1:$port" --log-level warn >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done

# Sign in like a browser: the form's CSRF token and cookie, then the session cookie.
jar="$work/cookies"
token=$(curl -s -c "$jar" "http://127.0.0.1:$port/signin" | sed -nE 's/.*name="csrf_token" value="([^"]+)".*/\1/p' | head -1)
curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf_token=$token" \
  --data-urlencode "email=bench@example.com" --data-urlencode "password=benchmark password" "http://127.0.0.1:$port/signin"
session=$(awk '$6 == "semaphore_session" { print $7 }' "$jar")
[[ -n "$session" ]] || { echo "sign-in failed" >&2; cat "$work/server.log" >&2; exit 1; }
cookie="Cookie: semaphore_session=$session"

report_url="http://127.0.0.1:$port/report"
host_url="http://127.0.0.1:$port/report/$first_host?range=30d"
curl -s -H "$cookie" "$report_url" -o "$work/report.html"
curl -s -H "$cookie" "$host_url" -o "$work/host.html"  # also warms the caches once, as a browser would have

mkdir -p "$work/www" "$work/nginx"
cp "$work/report.html" "$work/host.html" "$work/www/"
chmod 755 "$work" "$work/www" && chmod 644 "$work/www/report.html" "$work/www/host.html"  # workers: nobody
nginx_port=$(free_port)
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes auto;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx;
  proxy_temp_path $work/nginx;
  fastcgi_temp_path $work/nginx;
  uwsgi_temp_path $work/nginx;
  scgi_temp_path $work/nginx;
  server {
    listen 127.0.0.1:$nginx_port;
    root $work/www;
    default_type text/html;
  }
}
CONF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" &
nginx_pid=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$nginx_port/report.html" && break; sleep 0.1; done

# wrk's figures: requests/s, p50 and p99 (in ms).
run_wrk() {
  local name=$1 url=$2
  shift 2
  local out
  out=$(wrk -t2 -c"$connections" -d"$duration" --latency "$@" "$url" 2>&1)
  local rps p50 p99 non2xx
  rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
  p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
  p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
  non2xx=$(awk '/Non-2xx/ { print $5 }' <<<"$out")
  to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) printf "%.2f", v / 1000; else if (v ~ /ms$/) printf "%.2f", v + 0;
                                    else if (v ~ /s$/) printf "%.2f", v * 1000; else print "?" }'; }
  printf "%-28s %10s req/s   p50 %8s ms   p99 %8s ms%s\n" "$name" "$rps" "$(to_ms "$p50")" "$(to_ms "$p99")" \
    "${non2xx:+   NON-2XX: $non2xx}"
  eval "${name//[^a-z0-9]/_}_rps=$rps; ${name//[^a-z0-9]/_}_p99=$(to_ms "$p99")"
}

echo "wrk: $duration at $connections connections, 2 threads; $(nproc) cores shared by server and client"
run_wrk "nginx static report.html" "http://127.0.0.1:$nginx_port/report.html"
run_wrk "semaphore /report" "$report_url" -H "$cookie"
run_wrk "nginx static host.html" "http://127.0.0.1:$nginx_port/host.html"
run_wrk "semaphore /report/id 30d" "$host_url" -H "$cookie"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }'; }
echo "ratio to nginx: /report $(ratio "$semaphore__report_rps" "$nginx_static_report_html_rps")," \
  "/report/id?range=30d $(ratio "$semaphore__report_id_30d_rps" "$nginx_static_host_html_rps")" \
  "(goal >= 0.25); p99 goal < 20 ms"
