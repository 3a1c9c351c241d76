#!/usr/bin/env bash
# A tick queues an email for every customer (`run --once --no-dispatch`); then one customer
# withdraws email consent (a consents import); then the queue is dispatched. Nothing may be sent
# to that customer, and the send log row must say why.
source "$(dirname "$0")/../lib.sh"

start_server smtp smtp_server.py --brief
write_config 3600s "{\"email\": $(email_channel live "$SMTP_PORT")}"
write_rule hello 'rule "hello" { when consent email  send email "hello"  limit once }'
write_email_template hello
make_customers 10 email withdrawn@example.fi

say "$(campaignd run --once --no-dispatch)"
queued=$(sql "SELECT count(*) FROM send WHERE status = 'queued'")
[ "$queued" = 11 ] || fail "the tick queued $queued sends, not 11"

printf 'customer,channel,status,at\nX1,email,withdrawn,%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$WORK/withdrawal.csv"
campaignd import consents "$WORK/withdrawal.csv" >/dev/null
say "X1 (withdrawn@example.fi) withdrew email consent after the tick; dispatching"
say "$(campaignd run --once)"

row=$(campaignd log --customer X1 --json | python3 -c '
import json, sys
entries = json.load(sys.stdin)["entries"]
print(" | ".join("%s: %s" % (e["status"], e.get("reason")) for e in entries))')
say "X1's send log: $row"
to_x1=$(grep -c '"withdrawn@example.fi"' "$WORK/smtp.jsonl" || true)
others=$(python3 -c '
import json, sys
print(len({json.loads(l)["rcpt_tos"][0] for l in open(sys.argv[1]) if json.loads(l)["reply"].startswith("250")}))' "$WORK/smtp.jsonl")
[ "$to_x1" = 0 ] || fail "$to_x1 messages reached withdrawn@example.fi"
[[ "$row" == "skipped: no_consent at dispatch" ]] || fail "X1's row does not say why: $row"
[ "$others" = 10 ] || fail "$others of the 10 other customers got their email"
pass "withdrawn@ got 0 messages; its row: \"$row\"; the 10 others got one each"
