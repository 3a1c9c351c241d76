#!/usr/bin/env bash
# The store's filesystem fills up while the daemon ticks and sends (a 24 MB tmpfs the scenario
# mounts). A rule without a limit queues every customer on every 5 s tick, and the SMTP sink is
# rate limited to keep sends queued and in flight when the disk fills. While it is full: the
# daemon keeps running, /healthz says 503 "failing" with the store's path in last_tick_error or
# last_dispatch_error, the journal has a one-line error with a hint, and `import` and `forget`
# exit 1 with one line naming the store and a hint, writing nothing (writes that need new bytes:
# see below). When the space comes back the daemon resumes by itself (/healthz 200 within two
# ticks), `import` and `forget` work, and at the end every row the send log queued is sent
# exactly once (one delivery per Message-ID).
source "$(dirname "$0")/../lib.sh"

count=300 full_seconds=20
[ "$QUICK" = 1 ] && count=150 full_seconds=12

small_disk "$WORK/disk" 24
pulse_on_disk "$count"
say "$count customers on a 24 MB tmpfs; rule \"pulse\" queues all of them every 5 s; email at 100/s"

start_pulse "$count" "the full disk"
fill_disk "$WORK/disk"
filled_at=$(date +%s)
say "disk full ($(df -h --output=avail "$WORK/disk" | tail -1 | tr -d ' ') left) with $(open_sends) sends open: $(statuses)"

wait_for 60 'healthz "$port" | grep -q "\"status\":\"failing\""' || fail "/healthz did not turn failing within 60 s: $(healthz "$port")"
health=$(healthz "$port")
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")
[ "$code" = 503 ] || fail "/healthz answered $code on a full disk: $health"
grep -q "$STORE: the disk is full" <<<"$health" || fail "/healthz does not name the store and the full disk: $health"
say "/healthz while full: $code $health"

customers_before=$(sql "SELECT count(*) FROM customer")
printf 'id,email,name\nN1,n1@example.fi,Uusi\n' >"$WORK/new.csv"
# The two writes below must need new bytes on the disk. SQLite writes a transaction to the WAL
# first, and restarts a WAL that has been checkpointed whole from its beginning, in place: then a
# small write needs no new byte and succeeds on a full disk (a CI run saw the import exit 0). So a
# reader holds a snapshot (the WAL cannot restart under it, a write appends to it), and the disk
# is filled again (the daemon's failed writes may have left a few KB).
python3 - "$STORE" "$WORK/reader-holds" <<'PY' &
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
connection.execute("BEGIN")
connection.execute("SELECT count(*) FROM send").fetchone()
open(sys.argv[2], "w").close()
time.sleep(3600)
PY
reader=$!
BACKGROUND+=("$reader")
wait_for 10 '[ -e "$WORK/reader-holds" ]' || fail "the reader did not start its snapshot"
fill_disk "$WORK/disk"
set +e
import_err=$(campaignd import customers "$WORK/new.csv" 2>&1 >/dev/null); import_status=$?
forget_err=$(campaignd forget R1 2>&1 >/dev/null); forget_status=$?
set -e
kill -KILL "$reader" 2>/dev/null || true
wait "$reader" 2>/dev/null || true
for pair in "import:$import_status" "forget:$forget_status"; do
  [ "${pair#*:}" = 1 ] || fail "${pair%%:*} on a full disk exited ${pair#*:}: $import_err $forget_err"
done
for err in "$import_err" "$forget_err"; do
  [ "$(grep -vc '^campaignd: hint: ' <<<"$err")" = 1 ] || fail "not one line and a hint: $err"
  grep -q "store $STORE: the disk is full; nothing of it was written" <<<"$err" || fail "the error does not name the store: $err"
  grep -q '^campaignd: hint: free space' <<<"$err" || fail "no hint: $err"
done
[ "$(sql "SELECT count(*) FROM customer")" = "$customers_before" ] || fail "the import wrote something on a full disk"
[ "$(sql "SELECT count(*) FROM customer WHERE external_id = 'R1'")" = 1 ] || fail "forget changed something on a full disk"
say "import on a full disk: $(head -1 <<<"$import_err")"
say "forget on a full disk: $(head -1 <<<"$forget_err")"

sleep_left=$((filled_at + full_seconds - $(date +%s)))
[ "$sleep_left" -gt 0 ] && sleep "$sleep_left"
running "$DAEMON_PID" || fail "the daemon exited while the disk was full: $(tail -3 "$WORK/daemon.log")"
errors=$(grep -c 'disk is full' "$WORK/daemon.log" || true)
grep -q 'free space on the filesystem' "$WORK/daemon.log" || fail "the daemon's errors give no hint: $(grep -m1 'disk is full' "$WORK/daemon.log")"
say "the daemon kept running for ${full_seconds} s on a full disk; $errors log lines name it, e.g. $(grep -m1 'disk is full' "$WORK/daemon.log" | cut -c1-300)"

rm -f "$WORK/disk/filler"
freed_at=$(date +%s)
wait_for 30 'healthz "$port" | grep -q "\"status\":\"ok\""' || fail "/healthz did not recover within 30 s of freeing space: $(healthz "$port")"
recovered=$(( $(date +%s) - freed_at ))
say "space back: /healthz ok after ${recovered} s, without a restart"
campaignd import customers "$WORK/new.csv" >/dev/null || fail "import failed after space came back"
campaignd forget R1 >/dev/null || fail "forget failed after space came back"

# Let the queue empty between two ticks, then stop.
wait_for 60 '[ "$(open_sends)" = 0 ]' || fail "sends still open 60 s after space came back: $(statuses)"
stop_daemon
sql "SELECT send_id FROM send WHERE status = 'sent'" >"$WORK/sent.txt"
integrity=$(sql "PRAGMA integrity_check")
FINISHED=1
python3 - "$WORK" "$integrity" "$(statuses)" "$recovered" <<'PY'
import collections, json, sys
work, integrity, statuses, recovered = sys.argv[1:5]
deliveries = collections.Counter(json.loads(line)["message_id"] for line in open(f"{work}/smtp.jsonl"))
sent = set(open(f"{work}/sent.txt").read().split())
send_id = lambda message_id: message_id.strip("<>").split(".")[0]
problems = []
repeated = {m: n for m, n in deliveries.items() if n > 1}
if repeated: problems.append(f"{len(repeated)} Message-IDs delivered more than once, e.g. {next(iter(repeated))}")
if {send_id(m) for m in deliveries} != sent: problems.append(f"{len(deliveries)} delivered Message-IDs but {len(sent)} sent rows")
if integrity != "ok": problems.append(f"integrity_check: {integrity}")
evidence = (f"{sum(deliveries.values())} deliveries, {len(deliveries)} distinct Message-IDs = {len(sent)} sent rows, none twice; "
            f"send log at the end: {statuses.strip()}; healthy again {recovered} s after space came back; integrity_check {integrity}")
print(("FAIL: " + "; ".join(problems) + " — " if problems else "PASS: ") + evidence)
sys.exit(1 if problems else 0)
PY
