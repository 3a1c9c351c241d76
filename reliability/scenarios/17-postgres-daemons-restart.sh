#!/usr/bin/env bash
# Two daemons on one PostgreSQL store, and the database restarts under them (issue 18): 6,000
# webhooks (quick: 1,500) queued by the first tick of two `campaignd run` daemons, each sending at
# most 300 a second (quick: 100) into a verifying receiver; once a fifth is sent, PostgreSQL is
# stopped (fast shutdown: every connection cut) and started again 3 s later. Both daemons must
# keep running and reconnect (each sends rows after the restart), every row must end `sent`, and
# every webhook-id must arrive exactly once: an outcome the database could not take while it was
# down is kept and written once it is back, never sent again. The lease (20 s) outlasts the
# outage, so no claim expires meanwhile.
source "$(dirname "$0")/../lib.sh"

count=6000 rate=300
[ "$QUICK" = 1 ] && count=1500 rate=100

start_postgres
start_server webhook http_server.py --latency 0.002 "$WEBHOOK_SECRET"
write_config 3600s "{\"webhook\": $(webhook_channel "$WEBHOOK_PORT")}" \
  "{\"concurrency\": 8, \"rate_per_second\": {\"webhook\": $rate}, \"lease\": \"20s\"}" \
  '{"initial_delay": "1s", "max_delay": "5s", "max_age": "2d"}'
webhooks_on_postgres "$count"

start_pg_daemon 1
start_pg_daemon 2
sent() { pg "SELECT count(*) FROM send WHERE status = 'sent'"; }
wait_for 60 '[ "$(sent)" -ge $((count / 5)) ]' \
  || fail "the daemons sent $(sent) of $count in 60 s: $(tail -3 "$WORK/daemon-1.log") $(tail -3 "$WORK/daemon-2.log")"
queued=$(pg "SELECT count(*) FROM send")
[ "$queued" = "$count" ] || fail "the first tick recorded $queued rows, not $count"

before=$(sent)
pg_ctl_stop
restarted_at=$(date +%s)
say "PostgreSQL stopped with $before of $count sent; started again in 3 s"
sleep 3
pg_ctl_start || fail "PostgreSQL did not start again: $(tail -3 "$PG_DIR/server.log")"

wait_for 180 '[ "$(sent)" = "$count" ]' \
  || fail "$(sent) of $count sent 180 s after the restart: $(pg "SELECT status, count(*) FROM send GROUP BY 1" | tr '\n' ' ')"
running "$DAEMON_1" && running "$DAEMON_2" || fail "a daemon exited: $(tail -3 "$WORK/daemon-1.log") $(tail -3 "$WORK/daemon-2.log")"
owners_after=$(pg "SELECT count(DISTINCT owner) FROM send WHERE status = 'sent' AND updated_at >= $restarted_at")
errors=$(cat "$WORK"/daemon-*.log | grep -c ' error ' || true)
for n in 1 2; do
  pid=$(eval "echo \$DAEMON_$n")
  kill -TERM "$pid"
  wait_for 30 '! running "$pid"' || fail "daemon $n did not stop within 30 s of SIGTERM"
  wait "$pid" || fail "daemon $n exited with status $? after SIGTERM"
done
pg "SELECT send_id FROM send WHERE status = 'sent'" >"$WORK/sent.txt"
FINISHED=1  # the check below prints the PASS/FAIL line
python3 - "$WORK" "$count" "$before" "$owners_after" "$errors" <<'PY'
import collections, json, sys
work, count, before, owners_after, errors = sys.argv[1], *map(int, sys.argv[2:])
records = [json.loads(line) for line in open(f"{work}/webhook.jsonl")]
sent = set(open(f"{work}/sent.txt").read().split())
delivered = collections.Counter(r["headers"]["webhook-id"] for r in records)
twice = [i for i, n in delivered.items() if n > 1]
problems = []
if len(sent) != count: problems.append(f"{len(sent)} of {count} rows sent")
if set(delivered) != sent: problems.append(f"{len(set(delivered) - sent)} delivered webhook-ids without a sent row, {len(sent - set(delivered))} sent rows never delivered")
if twice: problems.append(f"{len(twice)} webhook-ids delivered more than once, e.g. {twice[0]}")
if owners_after < 2: problems.append(f"only {owners_after} daemon(s) sent after the restart (both should have reconnected)")
unverified = [r for r in records if not r["verified"]]
if unverified: problems.append(f"{len(unverified)} requests whose signature does not verify")
if problems:
    print("FAIL: " + "; ".join(problems))
    sys.exit(1)
print(f"PASS: PostgreSQL restarted with {before} of {count} sent; both daemons kept running, reconnected and sent "
      f"afterwards; {len(records)} deliveries of {len(delivered)} distinct webhook-ids = the {count} sent rows, none twice; "
      f"{errors} error lines logged while the database was away; both stopped cleanly on SIGTERM")
PY
