#!/usr/bin/env bash
# Driver-app figures for docs/benchmarks.md:
#   1. first load of /driver: bytes over the wire (gzip, as the server sends
#      them), map tiles aside;
#   2. one sync of 100 queued actions: time and requests (the app sends
#      batches of 50: two requests), and the same keys replayed;
#   3. 20 drivers reporting their position every 30 s with one dispatch
#      page refreshing on every report, accelerated 30× (one round a
#      second): server CPU and the p50/p99 of the location call.
#   scripts/bench-driver.sh sqlite|postgres
# Needs a release build (cargo build --release) and python3.
set -euo pipefail
backend="${1:-sqlite}"
bin="$(pwd)/target/release/luckygas"
port=18091
work="$(mktemp -d)"
cd "$work"
if [[ "$backend" == postgres ]]; then
  db="lg_bench_driver_$$"
  psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $db"
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db"
else
  export DATABASE_URL="sqlite://$work/bench.db"
fi
export LUCKYGAS_LOG_FORMAT=json RUST_LOG=warn LUCKYGAS_API_RATE_PER_ACCOUNT=100000

"$bin" serve --demo --bind "127.0.0.1:$port" > demo.txt &
pid=$!
for _ in $(seq 1 2000); do
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.01
done
trap 'kill $pid 2>/dev/null || true' EXIT

BASE="http://127.0.0.1:$port" PID="$pid" DEMO="$work/demo.txt" python3 - <<'EOF'
import gzip, http.cookiejar, json, os, re, statistics, threading, time, urllib.parse, urllib.request

base, pid = os.environ["BASE"], int(os.environ["PID"])
pw = {l.split()[0]: l.split()[2] for l in open(os.environ["DEMO"]) if len(l.split()) == 3}

def call(method, path, token=None, body=None, raw=False):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req) as r:
            out = r.read()
            return r.status, (out if raw else json.loads(out or b"null"))
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")

def token(user, password):
    return call("POST", "/api/v1/auth/token", body={"username": user, "password": password})[1]["token"]

admin, manager = token("admin", pw["admin"]), token("manager", pw["manager"])
today = call("GET", "/api/v1/driver/today", token("driver1", pw["driver1"]))[1]["date"]
call("POST", f"/api/v1/planning/{today}/optimize", manager, {"time_limit_seconds": 5})
time.sleep(0.5)
while (call("GET", f"/api/v1/planning/{today}/run", manager)[1] or {}).get("state") not in ("succeeded", "failed"):
    time.sleep(0.5)
board = call("GET", f"/api/v1/planning/{today}", manager)[1]
assert call("POST", f"/api/v1/planning/{today}/publish", manager, {"version": board["version"]})[0] == 200

# 1. First load of /driver, signed in, with gzip as a phone asks for it.
jar = http.cookiejar.CookieJar()
web = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
html = web.open(base + "/login").read().decode()
csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
web.open(base + "/login", urllib.parse.urlencode({"username": "driver1", "password": pw["driver1"], "csrf_token": csrf}).encode())
def wire(path):
    req = urllib.request.Request(base + path, headers={"Accept-Encoding": "gzip"})
    with web.open(req) as r:
        body = r.read()
        return len(body), (len(gzip.decompress(body)) if r.headers.get("Content-Encoding") == "gzip" else len(body))
shell = ["/driver", "/static/driver.js", "/static/driver.css", "/static/vendor/leaflet-1.9.4/leaflet.js",
         "/static/vendor/leaflet-1.9.4/leaflet.css", "/static/logo.svg", "/driver/manifest.webmanifest",
         "/driver/sw.js", "/api/v1/driver/today"]
total_wire = total_raw = 0
for p in shell:
    w, raw = wire(p)
    total_wire += w; total_raw += raw
    print(f"  {p:45s} {w:8d} B on the wire ({raw} B)")
print(f"first load of /driver: {total_wire / 1024:.1f} KB on the wire ({total_raw / 1024:.1f} KB uncompressed), {len(shell)} requests")

# 2. A sync of 100 queued actions (positions, arrivals and deliveries of
#    driver1's route), as the app sends them: batches of 50.
d1 = token("driver1", pw["driver1"])
day = call("GET", "/api/v1/driver/today", d1)[1]
route = day["routes"][0]
need = {c["size"]: c["count"] for c in route["needs"]}
assert call("POST", f"/api/v1/driver/routes/{route['id']}/start", d1, {"key": "bench-start-0001", "loaded": need})[0] == 200
actions = []
for i, s in enumerate(route["stops"]):
    if s["signature_required"]:
        continue
    actions.append({"key": f"bench-arrive-{i:04d}", "kind": "arrive", "route_id": route["id"], "order_id": s["order_id"]})
    actions.append({"key": f"bench-deliver-{i:04d}", "kind": "deliver", "route_id": route["id"], "order_id": s["order_id"],
                    "delivered": {c["size"]: c["count"] for c in s["cylinders"]}, "cash": s["cash_to_collect"]})
while len(actions) < 100:
    n = len(actions)
    actions.append({"key": f"bench-pos-{n:04d}", "kind": "position", "lat": 24.99 + n / 10000, "lon": 121.3, "accuracy": 10})
actions = actions[:100]
for label in ["first time", "replayed"]:
    start = time.perf_counter()
    statuses = []
    for i in range(0, 100, 50):
        statuses += [r["status"] for r in call("POST", "/api/v1/driver/sync", d1, {"actions": actions[i:i + 50]})[1]["results"]]
    ms = (time.perf_counter() - start) * 1000
    print(f"sync of 100 queued actions ({label}): {ms:.0f} ms in 2 requests; statuses {sorted(set(statuses))}")

# 3. 20 drivers, each reporting every 30 s (here one round a second), with
#    one dispatch page fetching its board after every round's reports.
drivers = []
users = call("GET", "/api/v1/users", admin)[1]
for i in range(20):
    name = f"bench_driver_{i:02d}"
    status, u = call("POST", "/api/v1/users", admin, {"username": name, "display_name": f"司機{i:02d}",
                                                     "role": "driver", "password": "bench-password-123"})
    assert status == 201, u
    status, d = call("POST", "/api/v1/drivers", manager, {"name": f"司機{i:02d}", "phone": f"0912-000-{i:03d}",
                                                        "user_id": u["id"], "shift_start": "08:00", "shift_end": "17:00"})
    assert status == 201, d
    drivers.append(token(name, "bench-password-123"))
def cpu():
    f = open(f"/proc/{pid}/stat").read().split(")")[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
lat, rounds = [], 60
c0, t0 = cpu(), time.perf_counter()
for r in range(rounds):
    begin = time.perf_counter()
    def report(i, tok):
        s = time.perf_counter()
        status, _ = call("POST", "/api/v1/driver/location", tok, {"lat": 24.9 + i / 100, "lon": 121.2 + r / 1000, "accuracy": 8})
        assert status == 200
        lat.append((time.perf_counter() - s) * 1000)
    threads = [threading.Thread(target=report, args=(i, t)) for i, t in enumerate(drivers)]
    [t.start() for t in threads]; [t.join() for t in threads]
    assert call("GET", "/api/v1/dispatch", manager)[0] == 200
    time.sleep(max(0, 1 - (time.perf_counter() - begin)))
wall, used = time.perf_counter() - t0, cpu() - c0
lat.sort()
print(f"20 drivers × {rounds} rounds (30 s each, run 30× faster) + dispatch after each round: "
      f"server CPU {100 * used / wall:.1f} % of one core; location p50 {statistics.median(lat):.1f} ms, "
      f"p99 {lat[int(len(lat) * 0.99) - 1]:.1f} ms")
EOF
