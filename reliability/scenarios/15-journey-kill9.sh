#!/usr/bin/env bash
# A journey over a simulated month, with kill -9 at random moments of its ticks and dispatch.
#
# The daemon has no simulated clock, so the month is driven by `campaignd run --once --at T` for
# every tick instant T (each run ticks at T, then resends what a crash left in flight and
# dispatches what is due, over SMTP to the sink). Purchases are imported as the month goes, just
# before the first tick at or after their time. At random instants a run is killed (kill -9) after
# a random delay — inside the tick, inside the dispatch or after it — and then run again at the
# same T, as a restart would. Afterwards: every enrolment ended exactly once and as its customer's
# purchases say (`goal` iff a second purchase came before its end), no step has two rows, no row
# was decided after its enrolment ended, every sent row reached the sink with one Message-ID, and
# the only repeated deliveries are rows in flight at a kill (same Message-ID); holdouts got nothing.
source "$(dirname "$0")/../lib.sh"

customers=600 tick_hours=2 kill_percent=25
[ "$QUICK" = 1 ] && customers=150 tick_hours=12 kill_percent=40
start=1790812800   # 2026-10-01T00:00:00Z: a past month, so every row is due by the real clock
days=32            # entrants up to day 20, a journey lasts 10 days: all have ended by day 32

start_server smtp smtp_server.py --brief
write_config "${tick_hours}h" "{\"email\": $(email_channel live "$SMTP_PORT")}"
write_rule welcome 'journey "welcome" {
  enter when orders = 1 and purchase in last 2 days and consent email
  exit when orders >= 2
  holdout 10%
  step "thanks" {
    send email "thanks"
  }
  wait 3 days
  step "tips" {
    send email "tips"
  }
  wait 7 days
  step "review" {
    send email "review"
  }
}'
for template in thanks tips review; do write_email_template "$template"; done
make_customers "$customers" email

# Purchases: each customer buys first at a random moment of days 0–20; a third buy again 2 days
# later, a sixth 5 days later, the rest never. One CSV per tick instant with what happened since
# the previous one.
python3 - "$WORK" "$customers" "$start" "$tick_hours" "$days" <<'PY'
import datetime, random, sys
work, count, start, tick_hours, days = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
random.seed(15)
rows = []
for i in range(1, count + 1):
    first = start + random.randrange(0, 20 * 86400)
    rows.append((first, f"R{i}", f"F{i}"))
    again = random.random()
    if again < 1 / 3: rows.append((first + 2 * 86400, f"R{i}", f"S{i}"))
    elif again < 1 / 2: rows.append((first + 5 * 86400, f"R{i}", f"S{i}"))
step = tick_hours * 3600
ticks = [start + k * step for k in range(days * 86400 // step + 1)]
with open(f"{work}/ticks.txt", "w") as out: out.writelines(f"{t}\n" for t in ticks)
with open(f"{work}/purchases-all.csv", "w") as out:
    out.write("customer,order,at,amount\n")
    out.writelines(f"{c},{o},{at},25.00\n" for at, c, o in sorted(rows))
previous = None
for t in ticks:
    batch = [r for r in sorted(rows) if (previous is None or r[0] > previous) and r[0] <= t]
    if batch:
        with open(f"{work}/purchases-{t}.csv", "w") as out:
            out.write("customer,order,at,amount\n")
            for at, c, o in batch:
                out.write(f"{c},{o},{datetime.datetime.fromtimestamp(at, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')},25.00\n")
    previous = t
PY
ticks=$(lines "$WORK/ticks.txt")
say "$customers first-time buyers over 20 days, a third and a sixth buy again after 2 and 5 days;"
say "journey welcome (thanks, 3 days, tips, 7 days, review; goal orders >= 2; holdout 10 %);"
say "$ticks ticks every $tick_hours h over $days simulated days, each run --once --at T; ~$kill_percent % of them killed"

run_once() { (cd "$WORK" && exec "$CAMPAIGND" --config "$CONFIG" --log-level warning run --once --at "$1") ; }
: >"$WORK/in-flight-at-kills.txt"
kills=0 in_tick=0 in_dispatch=0 after=0 typical_ms=300 RANDOM=15
while read -r t; do
  at=$(date -u -d "@$t" +%Y-%m-%dT%H:%M:%SZ)
  [ -f "$WORK/purchases-$t.csv" ] && campaignd import purchases "$WORK/purchases-$t.csv" >/dev/null
  if [ $((RANDOM % 100)) -lt "$kill_percent" ]; then
    rows_before=$(sql "SELECT count(*) FROM send")
    (cd "$WORK" && exec "$CAMPAIGND" --config "$CONFIG" --log-level warning run --once --at "$at" \
      >>"$WORK/killed-runs.out" 2>>"$WORK/daemon.log") &
    pid=$!
    BACKGROUND+=("$pid")
    delay=$((RANDOM % (typical_ms + 1)))
    sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    kills=$((kills + 1))
    in_flight=$(sql "SELECT count(*) FROM send WHERE status = 'in_flight'")
    sql "SELECT send_id FROM send WHERE status = 'in_flight'" >>"$WORK/in-flight-at-kills.txt"
    if [ "$in_flight" -gt 0 ]; then in_dispatch=$((in_dispatch + 1))
    elif [ "$(sql "SELECT count(*) FROM send")" = "$rows_before" ] \
      && [ "$(sql "SELECT count(*) FROM enrolment WHERE entered_at = $t OR step_since = $t OR ended_at = $t")" = 0 ]; then
      in_tick=$((in_tick + 1))
    else after=$((after + 1)); fi
  fi
  began=$(date +%s%N)
  run_once "$at" >>"$WORK/runs.out" 2>>"$WORK/daemon.log" || fail "run --once --at $at failed: $(tail -2 "$WORK/daemon.log")"
  typical_ms=$(( ($(date +%s%N) - began) / 1000000 ))
done <"$WORK/ticks.txt"
say "$kills kills: $in_tick with nothing of the tick visible yet, $in_dispatch with rows in flight, $after after the tick committed"
[ "$in_dispatch" -gt 0 ] || say "note: no kill landed with rows in flight this time"

sql "SELECT e.id, c.external_id, e.holdout, coalesce(e.ended, ''), coalesce(e.ended_at, ''), e.entered_at
     FROM enrolment e JOIN customer c ON c.id = e.customer_id" >"$WORK/enrolments.txt"
sql "SELECT s.send_id, c.external_id, s.step, s.status, s.decided_at, s.window_key FROM send s
     JOIN customer c ON c.id = s.customer_id WHERE s.journey = 'welcome'" >"$WORK/sends.txt"
open=$(open_sends)
integrity=$(sql "PRAGMA integrity_check")
FINISHED=1  # the check below prints the PASS/FAIL line
python3 - "$WORK" "$customers" "$kills" "$open" "$integrity" <<'PY'
import collections, csv, datetime, json, sys
work, count, kills, open_rows, integrity = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
second = {}
for row in csv.DictReader(open(f"{work}/purchases-all.csv")):
    if row["order"].startswith("S"): second[row["customer"]] = int(row["at"])
enrolments = [line.split("|") for line in open(f"{work}/enrolments.txt").read().split("\n") if line]
sends = [line.split("|") for line in open(f"{work}/sends.txt").read().split("\n") if line]
in_flight = set(open(f"{work}/in-flight-at-kills.txt").read().split())
records = [json.loads(line) for line in open(f"{work}/smtp.jsonl")]
problems = []
by_customer = collections.Counter(e[1] for e in enrolments)
if len(by_customer) != count: problems.append(f"{len(by_customer)} of {count} customers enrolled")
if any(n != 1 for n in by_customer.values()): problems.append("a customer has two enrolments")
ended = collections.Counter(e[3] for e in enrolments)
if ended[""]: problems.append(f"{ended['']} enrolments never ended")
wrong = []
ends = {}
for id, customer, holdout, how, ended_at, entered_at in enrolments:
    if not how: continue
    ends[(customer, entered_at)] = (how, int(ended_at), holdout == "1")
    again = second.get(customer)
    expected = "goal" if again is not None and again <= int(ended_at) else "completed"
    if how != expected: wrong.append(f"{customer} ended {how}, expected {expected}")
if wrong: problems.append(f"{len(wrong)} enrolments ended otherwise than their purchases say, e.g. {wrong[0]}")
steps = collections.Counter((s[1], s[2]) for s in sends)
twice = [k for k, n in steps.items() if n > 1]
if twice: problems.append(f"{len(twice)} steps have two rows, e.g. {twice[0]}")
late = [s for s in sends if (s[1], s[5]) in ends and int(s[4]) > ends[(s[1], s[5])][1]]
if late: problems.append(f"{len(late)} rows decided after their enrolment ended, e.g. {late[0]}")
completed_short = [k for k, v in ends.items() if v[0] == "completed" and sum(1 for s in sends if (s[1], s[5]) == k) != 3]
if completed_short: problems.append(f"{len(completed_short)} completed enrolments without exactly 3 step rows")
status_of = {s[0]: s for s in sends}
holdout_sent = [s for s in sends if ends.get((s[1], s[5]), ("", 0, False))[2] and s[3] != "holdout"]
if holdout_sent: problems.append(f"{len(holdout_sent)} rows of held-out enrolments are not holdout rows")
sent = {s[0] for s in sends if s[3] == "sent"}
send_id = lambda message_id: message_id.strip("<>").split(".")[0]
deliveries = collections.Counter(r["message_id"] for r in records)
if {send_id(m) for m in deliveries} != sent: problems.append(f"the sink's {len(deliveries)} Message-IDs do not match the {len(sent)} sent rows")
per_step = collections.Counter((status_of[send_id(m)][1], status_of[send_id(m)][2]) for m in deliveries if send_id(m) in status_of)
if any(n > 1 for n in per_step.values()): problems.append("a customer got two Message-IDs for one step")
repeats = {m: n for m, n in deliveries.items() if n > 1}
extra = sum(n - 1 for n in repeats.values())
not_in_flight = [m for m in repeats if send_id(m) not in in_flight]
if not_in_flight: problems.append(f"{len(not_in_flight)} repeated deliveries were not in flight at a kill, e.g. {not_in_flight[0]}")
if open_rows: problems.append(f"{open_rows} rows still queued or in flight")
if integrity != "ok": problems.append(f"integrity_check: {integrity}")
statuses = collections.Counter(s[3] for s in sends)
evidence = (f"{len(enrolments)} enrolments, each ended once ({ended['completed']} completed, {ended['goal']} goal, "
            f"{ended['left']} left), as the purchases say; {len(sends)} step rows, none twice, none after its end "
            f"({', '.join(f'{k} {v}' for k, v in sorted(statuses.items()))}); sink: {len(records)} deliveries of "
            f"{len(deliveries)} distinct Message-IDs = the sent rows; {kills} kills left {len(in_flight)} rows in flight, "
            f"{extra} repeated deliveries, each of such a row with its Message-ID; integrity_check {integrity}")
print(("FAIL: " + "; ".join(problems) + " — " if problems else "PASS: ") + evidence)
sys.exit(1 if problems else 0)
PY
