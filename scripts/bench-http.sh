#!/usr/bin/env bash
# HTTP figures for docs/benchmarks.md: cold start, idle memory, load on
# /healthz, on a signed-in page, and customer search with 10,000 customers.
#   scripts/bench-http.sh sqlite|postgres
# Needs a release build (cargo build --release), wrk and python3.
set -euo pipefail
backend="${1:-sqlite}"
bin="$(pwd)/target/release/luckygas"
port=18090
work="$(mktemp -d)"
cd "$work"
if [[ "$backend" == postgres ]]; then
  db="lg_bench_$$"
  psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $db"
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db"
else
  export DATABASE_URL="sqlite://$work/bench.db"
fi
export LUCKYGAS_LOG_FORMAT=json RUST_LOG=warn

wait_ready() {
  for _ in $(seq 1 2000); do
    curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return 0
    sleep 0.005
  done
  return 1
}

echo "== first start with --demo (seeds the demo company)"
"$bin" serve --demo --bind "127.0.0.1:$port" > demo.txt &
pid=$!
wait_ready
kill "$pid"; wait "$pid" 2>/dev/null || true

echo "== cold start to /readyz 200 (existing database), 5 runs"
for _ in 1 2 3 4 5; do
  start=$(date +%s%N)
  "$bin" serve --bind "127.0.0.1:$port" &
  pid=$!
  wait_ready
  end=$(date +%s%N)
  echo "cold start: $(( (end - start) / 1000000 )) ms"
  kill "$pid"; wait "$pid" 2>/dev/null || true
done

"$bin" serve --bind "127.0.0.1:$port" &
pid=$!
wait_ready
sleep 2
echo "idle RSS: $(grep VmRSS /proc/$pid/status)"

admin_pw=$(awk '$1 == "admin" { print $3 }' demo.txt)
token=$(curl -fs -X POST "http://127.0.0.1:$port/api/v1/auth/token" -H 'content-type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$admin_pw\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
# A browser session for the signed-in page.
jar="$work/jar"
csrf=$(curl -fs -c "$jar" "http://127.0.0.1:$port/login" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"//')
curl -fs -b "$jar" -c "$jar" -o /dev/null -X POST "http://127.0.0.1:$port/login" \
  --data-urlencode "username=admin" --data-urlencode "password=$admin_pw" --data-urlencode "csrf_token=$csrf"
session=$(awk '$6 == "lg_session" { print $7 }' "$jar")

echo "== GET /healthz"
wrk -t2 -c32 -d15s --latency "http://127.0.0.1:$port/healthz" | grep -E 'Requests/sec|50%|90%|99%'
echo "== GET /customers (signed-in page, 50 of 200 demo customers)"
wrk -t2 -c32 -d15s --latency -H "Cookie: lg_session=$session" "http://127.0.0.1:$port/customers" | grep -E 'Requests/sec|50%|90%|99%|Non-2xx'
echo "== GET / (home, signed in)"
wrk -t2 -c32 -d15s --latency -H "Cookie: lg_session=$session" "http://127.0.0.1:$port/" | grep -E 'Requests/sec|50%|90%|99%|Non-2xx'

echo "== seeding 10,000 customers through the API"
python3 "$OLDPWD/scripts/seed_customers.py" "http://127.0.0.1:$port" "$token" 9800
# The first search reads every customer into the search index; time it
# apart, so that the load below measures the steady state.
curl -fs -o /dev/null -w "first search (loads the index): %{time_total}s\n" \
  -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/customers?per_page=20&q=0912"
echo "== customer search, 10,000 customers"
TOKEN="$token" wrk -t2 -c16 -d20s --latency -s "$OLDPWD/scripts/search.lua" "http://127.0.0.1:$port" | grep -E 'Requests/sec|50%|90%|99%|Non-2xx'
echo "== customer search, paced near 2,000 req/s (24 connections, 10 ms pause after each answer)"
PAUSE_MS=10 TOKEN="$token" wrk -t2 -c24 -d20s --latency -s "$OLDPWD/scripts/search.lua" "http://127.0.0.1:$port" | grep -E 'Requests/sec|50%|90%|99%|Non-2xx'
kill "$pid"; wait "$pid" 2>/dev/null || true
if [[ "$backend" == postgres ]]; then psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE $db"; fi
