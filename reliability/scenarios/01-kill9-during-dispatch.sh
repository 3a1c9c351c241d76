#!/usr/bin/env bash
# kill -9 at random moments while the daemon sends N emails to an SMTP sink, restart, repeat;
# then let it finish. Every customer must get exactly one distinct Message-ID; the only repeats
# are rows that were in flight at a kill (resent with the same Message-ID); the store is intact.
source "$(dirname "$0")/../lib.sh"

count=10000 kills=5 concurrency=8
[ "$QUICK" = 1 ] && count=2000 kills=2

start_server smtp smtp_server.py --brief
write_config 3600s "{\"email\": $(email_channel live "$SMTP_PORT")}" \
  "{\"concurrency\": $concurrency, \"rate_per_second\": {\"email\": 5000}}"
write_rule crash 'rule "crash" { when consent email  send email "hello"  limit once }'
write_email_template hello
make_customers "$count" email
say "$count customers with email consent; one rule sending each of them one email over SMTP"

: >"$WORK/in-flight-at-kills.txt"
for kill in $(seq 1 "$kills"); do
  before=$(lines "$WORK/smtp.jsonl")
  # Kill at a random point of this run's progress (after 5-40 % of what is left has been
  # delivered), not after a random time: a fast machine must not finish before the last kill.
  target=$((before + (count - before) * (RANDOM % 36 + 5) / 100 + 1))
  start_daemon
  wait_for 60 '[ "$(lines "$WORK/smtp.jsonl")" -gt "$before" ]' || fail "run $kill delivered nothing within 60 s"
  deadline=$((SECONDS + 60))
  while [ "$(lines "$WORK/smtp.jsonl")" -lt "$target" ]; do
    [ $SECONDS -lt $deadline ] || fail "run $kill stopped short of $target deliveries: $(lines "$WORK/smtp.jsonl")"
    sleep 0.005
  done
  kill -KILL "$DAEMON_PID"
  wait "$DAEMON_PID" 2>/dev/null || true
  in_flight=$(sql "SELECT count(*) FROM send WHERE status = 'in_flight'")
  sql "SELECT send_id FROM send WHERE status = 'in_flight'" >>"$WORK/in-flight-at-kills.txt"
  say "kill -9 #$kill: $(lines "$WORK/smtp.jsonl") deliveries so far, $in_flight rows in flight"
done
delivered=$(lines "$WORK/smtp.jsonl")
[ "$delivered" -lt "$count" ] || fail "the kills came too late: all $count were delivered before the last kill"

say "restarting to finish"
start_daemon
wait_for 300 'settled $count' || fail "sends still open after 300 s: $(statuses)"
stop_daemon

sql "SELECT send_id FROM send WHERE status = 'sent'" >"$WORK/sent.txt"
integrity=$(sql "PRAGMA integrity_check")
FINISHED=1  # the check below prints the PASS/FAIL line
python3 - "$WORK" "$count" "$kills" "$concurrency" "$integrity" <<'PY'
import collections, json, sys
work, count, kills, concurrency, integrity = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
records = [json.loads(line) for line in open(f"{work}/smtp.jsonl")]
sent = set(open(f"{work}/sent.txt").read().split())
in_flight = set(open(f"{work}/in-flight-at-kills.txt").read().split())
ids_per_customer = collections.defaultdict(set)
deliveries = collections.Counter()
for record in records:
    ids_per_customer[record["rcpt_tos"][0]].add(record["message_id"])
    deliveries[record["message_id"]] += 1
send_id = lambda message_id: message_id.strip("<>").split(".")[0]
duplicates = {m: n for m, n in deliveries.items() if n > 1}
extra = sum(n - 1 for n in duplicates.values())
problems = []
if len(sent) != count: problems.append(f"{len(sent)} of {count} rows sent")
if len(ids_per_customer) != count: problems.append(f"{len(ids_per_customer)} of {count} customers reached")
several = [c for c, ids in ids_per_customer.items() if len(ids) != 1]
if several: problems.append(f"{len(several)} customers got more than one Message-ID, e.g. {several[0]}")
if {send_id(m) for m in deliveries} != sent: problems.append("Message-IDs do not match the sent rows")
not_in_flight = [m for m in duplicates if send_id(m) not in in_flight]
if not_in_flight: problems.append(f"{len(not_in_flight)} repeated Message-IDs were not in flight at a kill, e.g. {not_in_flight[0]}")
if extra > kills * concurrency: problems.append(f"{extra} repeats exceed kills × concurrency = {kills * concurrency}")
if integrity != "ok": problems.append(f"integrity_check: {integrity}")
evidence = (f"{len(records)} deliveries, {len(deliveries)} distinct Message-IDs, one per customer ({len(ids_per_customer)}); "
            f"{kills} kills left {len(in_flight)} rows in flight; {extra} repeated deliveries (bound kills × concurrency "
            f"= {kills * concurrency}), each of a row in flight at a kill, with its original Message-ID; "
            f"integrity_check {integrity}")
print(("FAIL: " + "; ".join(problems) + " — " if problems else "PASS: ") + evidence)
sys.exit(1 if problems else 0)
PY
