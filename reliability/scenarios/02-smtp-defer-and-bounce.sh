#!/usr/bin/env bash
# The SMTP sink answers 451 at the end of data for one recipient (the first few times), and 550 at
# RCPT TO for another. The deferred one must be retried on the backoff schedule (initial_delay 2s,
# doubling, equal jitter: each wait between half and all of 2, 4, 8 s), never in a tight loop;
# the refused one is suppressed as a hard bounce; everyone else gets exactly one message.
source "$(dirname "$0")/../lib.sh"

deferrals=3 others=20
[ "$QUICK" = 1 ] && deferrals=2

start_server smtp smtp_server.py --brief --datatemp-times "$deferrals"
write_config 3600s "{\"email\": $(email_channel live "$SMTP_PORT")}" "" \
  '{"initial_delay": "2s", "max_delay": "60s", "max_age": "2d"}'
write_rule hello 'rule "hello" { when consent email  send email "hello"  limit once }'
write_email_template hello
make_customers "$others" email datatemp@example.fi reject@example.fi
say "$others customers, plus datatemp@ (451 at end of data $deferrals times, then 250) and reject@ (550 at RCPT TO)"

start_daemon
wait_for 60 'settled $((others + 2))' || fail "sends still open after 60 s: $(statuses)"
stop_daemon

sql "SELECT c.email, s.status, s.attempts, coalesce(s.reason, '') FROM send s JOIN customer c ON c.id = s.customer_id" \
  >"$WORK/rows.txt"
sql "SELECT channel, address, reason FROM suppression" >"$WORK/suppression.txt"
FINISHED=1  # the check below prints the PASS/FAIL line
python3 - "$WORK" "$deferrals" "$others" <<'PY'
import collections, json, sys
work, deferrals, others = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
records = [json.loads(line) for line in open(f"{work}/smtp.jsonl")]
rows = {r[0]: r[1:] for r in (line.split("|", 3) for line in open(f"{work}/rows.txt").read().splitlines())}
suppressed = open(f"{work}/suppression.txt").read().split()
problems = []

per_recipient = collections.defaultdict(list)
for record in records:
    per_recipient[record["rcpt_tos"][0]].append(record)
normal = [f"r{i}@example.fi" for i in range(1, others + 1)]
wrong = [a for a in normal if [r["reply"][:3] for r in per_recipient[a]] != ["250"] or rows[a][0] != "sent"]
if wrong: problems.append(f"{len(wrong)} other recipients not delivered exactly once, e.g. {wrong[0]}: {per_recipient[wrong[0]]}")

tries = per_recipient["datatemp@example.fi"]
replies = [r["reply"][:3] for r in tries]
if replies != ["451"] * deferrals + ["250"]: problems.append(f"datatemp@ answers {replies}, expected {deferrals} × 451 then 250")
if len({r["message_id"] for r in tries}) != 1: problems.append("datatemp@ retries changed the Message-ID")
if rows["datatemp@example.fi"][:2] != ["sent", str(deferrals + 1)]: problems.append(f"datatemp@ row: {rows['datatemp@example.fi']}")
gaps = [round(b["at"] - a["at"], 2) for a, b in zip(tries, tries[1:])]
schedule = [2 * 2 ** k for k in range(len(gaps))]
# Equal jitter waits between half and all of each step; due times are rounded up to whole
# seconds and the dispatcher looks at least once a second, so allow 1.5 s late.
off = [(g, s) for g, s in zip(gaps, schedule) if not (s / 2 - 0.2 <= g <= s + 1.5)]
if off: problems.append(f"gaps {gaps} s off the schedule {schedule} s (each in [step/2, step + 1.5])")

if "datatemp@example.fi" in " ".join(suppressed): problems.append("the deferred address was suppressed")
if "email|reject@example.fi|hard_bounce" not in suppressed: problems.append(f"reject@ not suppressed as hard_bounce: {suppressed}")
if rows["reject@example.fi"][0] != "failed" or "hard bounce" not in rows["reject@example.fi"][2]:
    problems.append(f"reject@ row: {rows['reject@example.fi']}")
if per_recipient["reject@example.fi"]: problems.append("reject@ got a message")

evidence = (f"datatemp@: {len(tries)} attempts ({'/'.join(replies)}), gaps {gaps} s against steps {schedule} s, "
            f"one Message-ID; reject@: failed (hard bounce), suppressed hard_bounce, no message; "
            f"{others - len(wrong)}/{others} others delivered exactly once")
print(("FAIL: " + "; ".join(problems) + " — " if problems else "PASS: ") + evidence)
sys.exit(1 if problems else 0)
PY
