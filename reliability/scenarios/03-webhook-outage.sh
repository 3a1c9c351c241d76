#!/usr/bin/env bash
# The webhook endpoint is down while the daemon starts sending: first nothing listens on its port,
# then it answers 503 for a while, then it recovers. After recovery every event must be delivered
# (answered 200) exactly once per webhook-id, and every request's signature must verify with the
# standardwebhooks package.
source "$(dirname "$0")/../lib.sh"

count=300 closed=4 unavailable=4
[ "$QUICK" = 1 ] && count=100 closed=2 unavailable=2

port=$(free_port)
write_config 3600s "{\"webhook\": $(webhook_channel "$port")}" "" \
  '{"initial_delay": "1s", "max_delay": "4s", "max_age": "2d"}'
write_rule notify 'rule "notify" { when consent webhook  send webhook "sink"  limit once }'
make_customers "$count" webhook
say "$count webhook events; port $port closed for $closed s, then 503 for $unavailable s, then 200"

start_daemon
sleep "$closed"
refused=$(sql "SELECT count(*) FROM send WHERE attempts > 0 AND status = 'queued'")
start_server webhook http_server.py --port "$port" --unavailable-for "$unavailable" "$WEBHOOK_SECRET"
say "endpoint listening after $closed s ($refused sends waiting for a retry)"
wait_for 90 'settled $count' || fail "sends still open 90 s after the endpoint came up: $(statuses)"
stop_daemon

sql "SELECT send_id FROM send WHERE status = 'sent'" >"$WORK/sent.txt"
attempts=$(sql "SELECT sum(attempts) FROM send")
FINISHED=1  # the check below prints the PASS/FAIL line
python3 - "$WORK" "$count" "$refused" "$attempts" <<'PY'
import collections, json, sys
work, count, refused, attempts = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
records = [json.loads(line) for line in open(f"{work}/webhook.jsonl")]
sent = set(open(f"{work}/sent.txt").read().split())
delivered = collections.Counter(r["headers"]["webhook-id"] for r in records if r["status"] == 200)
unavailable = sum(1 for r in records if r["status"] == 503)
unverified = [r for r in records if not r["verified"]]
problems = []
if len(sent) != count: problems.append(f"{len(sent)} of {count} rows sent")
if set(delivered) != sent: problems.append("the delivered webhook-ids differ from the sent rows")
twice = [i for i, n in delivered.items() if n != 1]
if twice: problems.append(f"{len(twice)} webhook-ids delivered more than once, e.g. {twice[0]}")
if unverified: problems.append(f"{len(unverified)} requests fail standardwebhooks verification")
if refused == 0: problems.append("no send was refused while the port was closed (the outage was not exercised)")
if unavailable == 0: problems.append("no request was answered 503 (the outage was not exercised)")
evidence = (f"{len(delivered)}/{count} webhook-ids delivered exactly once after recovery; {refused} sends refused "
            f"while the port was closed, {unavailable} requests answered 503, {attempts} attempts in all; "
            f"all {len(records)} requests' signatures verify with standardwebhooks")
print(("FAIL: " + "; ".join(problems) + " — " if problems else "PASS: ") + evidence)
sys.exit(1 if problems else 0)
PY
