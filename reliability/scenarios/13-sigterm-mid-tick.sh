#!/usr/bin/env bash
# The daemon is stopped in the middle of a tick's transaction, twice: kill -9, then SIGTERM. A
# rule without consent in its condition makes every one of N customers a decision (K with email
# consent are queued, the rest skipped "no consent"), so the tick writes N rows in one
# transaction, long enough to be caught: the scenario waits until the WAL has grown while no row
# is visible yet. After kill -9 the send log must be empty (the tick absent); SIGTERM must let the
# tick finish (N rows, whole) and exit 0. The next start finishes the work: every customer has
# exactly one row, all from one instant, and each of the K customers gets exactly one email.
source "$(dirname "$0")/../lib.sh"

count=200000 consented=500
[ "$QUICK" = 1 ] && count=60000

start_server smtp smtp_server.py --brief
write_config 1h "{\"email\": $(email_channel live "$SMTP_PORT")}"
write_rule hello 'rule "hello" { when orders = 0  send email "hello"  limit once }'
write_email_template hello
python3 - "$WORK" "$count" "$consented" <<'PY'
import sys
work, count, consented = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(f"{work}/customers.csv", "w") as f:
    f.write("id,email,name\n")
    f.writelines(f"R{i},r{i}@example.fi,Asiakas {i}\n" for i in range(1, count + 1))
with open(f"{work}/consents.csv", "w") as f:
    f.write("customer,channel,status,at\n")
    f.writelines(f"R{i},email,granted,2020-01-01T00:00:00Z\n" for i in range(1, consented + 1))
PY
campaignd import customers "$WORK/customers.csv" >/dev/null
campaignd import consents "$WORK/consents.csv" >/dev/null
say "$count customers, $consented with email consent; one tick writes $count rows in one transaction"

# wal_bytes: the size of the store's write-ahead log (0 when absent).
wal_bytes() { stat -c %s "$STORE-wal" 2>/dev/null || echo 0; }
# stop_mid_tick SIGNAL: starts the daemon with an empty WAL, waits until the tick's transaction
# has spilled into the WAL while no row is visible, then sends SIGNAL.
stop_mid_tick() {
  sql "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
  start_daemon
  # Polled every 10 ms, not wait_for's 200 ms: on a fast machine the whole tick takes well under a second.
  local deadline=$((SECONDS + 120))
  until [ "$(wal_bytes)" -gt 1048576 ] || ! running "$DAEMON_PID"; do
    [ $SECONDS -lt $deadline ] || fail "the tick did not start writing within 120 s"
    sleep 0.01
  done
  running "$DAEMON_PID" || fail "the daemon exited: $(tail -3 "$WORK/daemon.log")"
  local visible
  visible=$(sql "SELECT count(*) FROM send")
  [ "$visible" = 0 ] || fail "the tick had already committed ($visible rows) before the $1; raise the customer count"
  MID_WAL=$(wal_bytes)
  kill "-$1" "$DAEMON_PID"
}

stop_mid_tick KILL
wait "$DAEMON_PID" 2>/dev/null || true
after_kill=$(sql "SELECT count(*) FROM send")
say "kill -9 with $MID_WAL bytes of the tick's transaction in the WAL: $after_kill rows after (absent)"
[ "$after_kill" != "$count" ] || fail "the tick committed before kill -9 landed; raise the customer count"
[ "$after_kill" = 0 ] || fail "kill -9 mid-tick left $after_kill of $count rows: the tick is not whole or absent"
[ "$(sql "PRAGMA integrity_check")" = ok ] || fail "integrity_check after kill -9: $(sql "PRAGMA integrity_check")"

stop_mid_tick TERM
started=$SECONDS
wait_for 120 '! running "$DAEMON_PID"' || fail "the daemon did not stop within 120 s of SIGTERM"
status=0
wait "$DAEMON_PID" || status=$?
[ "$status" = 0 ] || fail "the daemon exited with status $status after SIGTERM mid-tick: $(tail -2 "$WORK/daemon.log")"
after_term=$(sql "SELECT count(*) FROM send")
say "SIGTERM with $MID_WAL bytes in the WAL: exit 0 after $((SECONDS - started)) s, $after_term rows (the tick finished), $(statuses)"
[ "$after_term" = "$count" ] || fail "SIGTERM mid-tick left $after_term of $count rows"

say "restarting to finish the work"
start_daemon
wait_for 120 'settled $count' || fail "not settled 120 s after the restart: $(statuses)"
stop_daemon
integrity=$(sql "PRAGMA integrity_check")
rows=$(sql "SELECT count(*) FROM send")
per_customer=$(sql "SELECT count(*) FROM (SELECT customer_id FROM send GROUP BY customer_id HAVING count(*) > 1)")
instants=$(sql "SELECT count(DISTINCT decided_at) FROM send")
sql "SELECT send_id FROM send WHERE status = 'sent'" >"$WORK/sent.txt"
FINISHED=1
python3 - "$WORK" "$count" "$consented" "$rows" "$per_customer" "$instants" "$integrity" "$(statuses)" <<'PY'
import collections, json, sys
work, count, consented, rows, per_customer, instants, integrity, statuses = sys.argv[1:9]
count, consented = int(count), int(consented)
deliveries = collections.Counter(json.loads(line)["message_id"] for line in open(f"{work}/smtp.jsonl"))
recipients = collections.Counter(json.loads(line)["rcpt_tos"][0] for line in open(f"{work}/smtp.jsonl"))
sent = set(open(f"{work}/sent.txt").read().split())
send_id = lambda message_id: message_id.strip("<>").split(".")[0]
problems = []
if int(rows) != count: problems.append(f"{rows} rows for {count} customers")
if per_customer != "0": problems.append(f"{per_customer} customers have more than one row")
if instants != "1": problems.append(f"rows from {instants} instants")
if len(sent) != consented: problems.append(f"{len(sent)} sent rows, expected {consented}")
if any(n > 1 for n in deliveries.values()): problems.append("a Message-ID was delivered twice")
if any(n > 1 for n in recipients.values()): problems.append("a customer got two emails")
if {send_id(m) for m in deliveries} != sent: problems.append("delivered Message-IDs do not match the sent rows")
if integrity != "ok": problems.append(f"integrity_check: {integrity}")
evidence = (f"kill -9 mid-tick: 0 rows (absent); SIGTERM mid-tick: the tick finished, exit 0; after the restart "
            f"{rows} rows, one per customer, one instant ({statuses.strip()}); {len(deliveries)} emails to {len(recipients)} "
            f"customers, each once; integrity_check {integrity}")
print(("FAIL: " + "; ".join(problems) + " — " if problems else "PASS: ") + evidence)
sys.exit(1 if problems else 0)
PY
