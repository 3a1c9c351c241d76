#!/usr/bin/env bash
# Slow clients (slowloris) against the daemon's HTTP listener, request_timeout 2 s: 1,000 (quick:
# 300) connections that each send half a request head and wait, opened again whenever the daemon
# closes one, for 8 s. Meanwhile a real client sends 20 GET /healthz and 20 one-click POSTs with
# genuine tokens, each on a new connection: every one must be answered (200) without waiting for
# the slow connections to be closed (each within the 2 s request timeout), the 20 consents must
# be withdrawn, the daemon must close each half-open connection after 2 s (not before, not much
# later), and it must stop with status 0 on SIGTERM afterwards.
source "$(dirname "$0")/../lib.sh"

connections=1000
[ "$QUICK" = 1 ] && connections=300
timeout_s=2

write_config 1h "{\"email\": $(email_channel spool)}"
python3 - "$CONFIG" "$timeout_s" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
config["http"] = {"listen": "127.0.0.1:0", "request_timeout": f"{sys.argv[2]}s"}
json.dump(config, open(sys.argv[1], "w"), indent=2)
PY
write_rule hello 'rule "hello" { when consent email  send email "hello"  limit once }'
write_email_template hello
make_customers 20 email

start_daemon
wait_for 20 'grep -q "http.address=" "$WORK/daemon.log"' || fail "the listener did not start: $(tail -3 "$WORK/daemon.log")"
port=$(sed -n 's/.*http.address=127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK/daemon.log" | head -1)
say "listener on 127.0.0.1:$port; opening $connections half-open connections for 8 s"

slowloris="$REPO/scripts/slowloris.py"
python3 "$slowloris" hold "$port" "$connections" 8 >"$WORK/hold.out" &
holder=$!
BACKGROUND+=("$holder")
wait_for 20 'grep -qs HOLDING "$WORK/hold.out"' || fail "the $connections half-open connections were not all open within 20 s"
probe=$(python3 "$slowloris" probe "$port" 20 "$WORK/unsubscribe.key" 1 'R{}')
say "real client while they are held: $probe"
wait "$holder" || fail "the holder failed: $(cat "$WORK/hold.out")"
held=$(tail -1 "$WORK/hold.out")
say "half-open connections: $held"

python3 - "$probe" "$held" "$connections" "$timeout_s" >"$WORK/check.out" <<'PY' || fail "$(cat "$WORK/check.out")"
import json, sys
probe, held, connections, timeout = json.loads(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
problems = []
for name in ("healthz", "unsubscribe"):
    if probe[name]["statuses"] != {"200": 20}:
        problems.append(f"{name} answered {probe[name]['statuses']}")
    if probe[name]["max_ms"] >= timeout * 1000:
        problems.append(f"{name} took up to {probe[name]['max_ms']} ms, the request timeout or more")
if held["closed_by_server"] < connections:
    problems.append(f"only {held['closed_by_server']} of {connections} half-open connections closed by the daemon")
elif held["lifetime_min_s"] < timeout:  # timed from connect(), before the daemon accepts it: never shorter
    problems.append(f"a half-open connection was closed after {held['lifetime_min_s']} s, before the timeout")
elif held["lifetime_median_s"] > timeout + 2:
    problems.append(f"half-open connections lived {held['lifetime_median_s']} s at the median")
if problems:
    print("; ".join(problems))
    sys.exit(1)
PY
withdrawn=$(sql "SELECT count(*) FROM consent WHERE status = 'withdrawn' AND source = 'one-click'")
[ "$withdrawn" = 20 ] || fail "$withdrawn of 20 one-click unsubscribes withdrew consent"
stop_daemon

summary=$(python3 -c 'import json, sys
p, h = json.loads(sys.argv[1]), json.loads(sys.argv[2])
health, click = p["healthz"], p["unsubscribe"]
print("/healthz median %s ms (max %s), one-click median %s ms (max %s); the daemon closed %s half-open connections after %s-%s s (median %s)"
      % (health["median_ms"], health["max_ms"], click["median_ms"], click["max_ms"],
         h["closed_by_server"], h["lifetime_min_s"], h["lifetime_max_s"], h["lifetime_median_s"]))' "$probe" "$held")
pass "$connections half-open connections held for 8 s, request_timeout ${timeout_s}s: 20 + 20 real requests all 200 within the timeout," \
  "$summary; 20 consents withdrawn; SIGTERM exit 0"
