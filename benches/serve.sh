#!/usr/bin/env bash
# Benchmark of `policy-calc serve` (not a test): loopback only, bounded in count and time.
#
# - time to ready: from spawning the release binary to its first answer on /readyz (5 runs);
# - idle RSS after start, and after the load;
# - POST /v1/check with examples/building_project.toml (full report) over keep-alive, at 1,
#   16 and 64 connections, DURATION seconds each (default 5): requests/s, p50 and p99 (wrk),
#   and the server's CPU time per request;
#   then at 16 connections with why=true, and with report=compact;
# - the server's peak RSS (VmHWM) over the whole run.
#
# Needs wrk (Debian: apt-get install wrk; installed here when missing) and python3.
# Run from the repository root: benches/serve.sh [DURATION]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-5}"
if [ "$DURATION" -gt 30 ]; then DURATION=30; fi
if ! command -v wrk >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null
fi
cargo build --release --quiet
BIN=target/release/policy-calc

python3 - "$BIN" <<'PY'
import socket, subprocess, sys, time
bin = sys.argv[1]
times = []
for _ in range(5):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
    t0 = time.perf_counter()
    p = subprocess.Popen([bin, "serve", "--addr", f"127.0.0.1:{port}"],
                         stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    ready = None
    while time.perf_counter() - t0 < 5:
        try:
            c = socket.create_connection(("127.0.0.1", port), timeout=1)
            c.sendall(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            if c.recv(64).startswith(b"HTTP/1.1 200"):
                ready = (time.perf_counter() - t0) * 1000
            c.close()
            if ready is not None:
                break
        except OSError:
            time.sleep(0.0005)
    p.terminate(); p.wait(timeout=10)
    times.append(ready)
print("time to ready (ms, spawn to first 200 from /readyz, 5 runs):",
      " ".join(f"{t:.1f}" if t is not None else "timeout" for t in times))
PY

LOG=$(mktemp)
"$BIN" serve --addr 127.0.0.1:0 2>"$LOG" &
PID=$!
trap 'kill -TERM $PID 2>/dev/null || true; rm -f "$LOG" "$LUA"' EXIT
for _ in $(seq 100); do grep -q "listening on" "$LOG" && break; sleep 0.05; done
ADDR=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$LOG" | head -1)
rss() { awk -v k="$1:" '$1 == k { print $2 / 1024 " MB" }' "/proc/$PID/status"; }
sleep 0.5
echo "idle RSS after start: $(rss VmRSS)"

LUA=$(mktemp --suffix=.lua)
python3 - "$LUA" <<'PY'
import json, sys
body = open("examples/building_project.toml", encoding="utf-8").read()
with open(sys.argv[1], "w", encoding="utf-8") as f:
    f.write('wrk.method = "POST"\n')
    f.write('wrk.headers["Content-Type"] = "application/toml"\n')
    f.write("wrk.body = " + json.dumps(body) + "\n")
PY
# A check that the body is answered 200 before measuring.
curl -sf -o /dev/null -H 'content-type: application/toml' --data-binary @examples/building_project.toml "$ADDR/v1/check"

# The server's CPU time (user and system, from /proc) in microseconds.
cpu_us() { awk -v tck="$(getconf CLK_TCK)" '{ print ($14 + $15) * 1e6 / tck }' "/proc/$PID/stat"; }
# One wrk run: its figures, and the server's CPU time per request answered (which the other
# work on the machine disturbs less than the throughput).
run() {
    local before out
    before=$(cpu_us)
    out=$(wrk "$@")
    grep -E "Requests/sec|^ +50%|^ +99%|Non-2xx|Socket errors" <<<"$out"
    awk -v b="$before" -v a="$(cpu_us)" '/requests in/ { printf "server CPU per request: %.1f us\n", (a - b) / $1 }' <<<"$out"
}
for C in 1 16 64; do
    T=$(( C < 2 ? 1 : 2 ))
    echo "--- POST /v1/check, building_project, $C keep-alive connection(s), ${DURATION}s"
    run -t"$T" -c"$C" -d"${DURATION}s" --timeout 5s --latency -s "$LUA" "$ADDR/v1/check"
done
# The same at 16 connections with the reasons as data (why=true), and the compact report.
for Q in "why=true" "report=compact"; do
    echo "--- POST /v1/check?$Q, building_project, 16 keep-alive connections, ${DURATION}s"
    run -t2 -c16 -d"${DURATION}s" --timeout 5s --latency -s "$LUA" "$ADDR/v1/check?$Q"
done
sleep 1
echo "idle RSS after the load: $(rss VmRSS)"
echo "peak RSS: $(rss VmHWM)"
