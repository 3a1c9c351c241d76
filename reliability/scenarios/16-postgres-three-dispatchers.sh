#!/usr/bin/env bash
# Three dispatchers on one PostgreSQL store (issue 18): 10,000 webhooks (quick: 2,000) queued by
# one tick, drained by three `run --once` loops started together into a verifying receiver that
# answers after 5 ms; one of them, at random, is killed with SIGKILL five times (its loop starts it
# again). Every webhook-id must arrive, every row must end `sent`, and the only repeats allowed
# are of rows the killed dispatcher held in flight at the kill (at most kills × concurrency): no
# send is delivered by two live dispatchers. The lease is 3 s, so a dead dispatcher's rows come
# back soon.
source "$(dirname "$0")/../lib.sh"

count=10000 kills=5 concurrency=8
[ "$QUICK" = 1 ] && count=2000

start_postgres
start_server webhook http_server.py --latency 0.005 "$WEBHOOK_SECRET"
write_config 3600s "{\"webhook\": $(webhook_channel "$WEBHOOK_PORT")}" \
  "{\"concurrency\": $concurrency, \"rate_per_second\": {\"webhook\": 100000}, \"lease\": \"3s\"}"
webhooks_on_postgres "$count"
campaignd run --once --no-dispatch >"$WORK/tick.out"
queued=$(pg "SELECT count(*) FROM send WHERE status = 'queued'")
[ "$queued" = "$count" ] || fail "the tick queued $queued of $count"
say "$count webhooks queued on PostgreSQL (port $PG_PORT); three run --once loops dispatch them, $kills of them killed"

open_on_postgres() { pg "SELECT count(*) FROM send WHERE status IN ('queued', 'in_flight')"; }
# dispatcher N: `run --once` again and again until nothing is open; the current pid in WORK/dispatcher-N.pid.
dispatcher() {
  local n=$1
  while [ "$(open_on_postgres)" != 0 ]; do
    "$CAMPAIGND" --config "$CONFIG" --log-level warning run --once >>"$WORK/dispatcher-$n.out" 2>>"$WORK/dispatcher-$n.log" &
    echo $! >"$WORK/dispatcher-$n.pid"
    wait $! || echo "exit $?" >>"$WORK/dispatcher-$n.exits"
  done
}
loops=()
for n in 1 2 3; do
  dispatcher "$n" 2>/dev/null &  # bash's "Killed" notices; campaignd's stderr goes to dispatcher-N.log
  loops+=("$!")
  BACKGROUND+=("$!")
done

: >"$WORK/in-flight-at-kills.txt"
done_kills=0 attempts=0
while [ "$done_kills" -lt "$kills" ] && [ "$attempts" -lt 200 ]; do
  attempts=$((attempts + 1))
  sleep "0.$((RANDOM % 4 + 2))"
  n=$((RANDOM % 3 + 1))
  pid=$(cat "$WORK/dispatcher-$n.pid" 2>/dev/null || true)
  [ -n "$pid" ] && running "$pid" || continue
  # Only a dispatcher with sends in flight: a kill while it starts or ticks proves nothing here.
  held=$(pg "SELECT count(*) FROM send WHERE status = 'in_flight' AND owner LIKE '%:$pid:%'")
  [ "$held" -gt 0 ] || continue
  kill -KILL "$pid" 2>/dev/null || continue
  done_kills=$((done_kills + 1))
  pg "SELECT send_id FROM send WHERE status = 'in_flight' AND owner LIKE '%:$pid:%'" >>"$WORK/in-flight-at-kills.txt"
  say "kill -9 #$done_kills: dispatcher $n (pid $pid), $(lines "$WORK/in-flight-at-kills.txt") rows in flight at kills so far, $(pg "SELECT count(*) FROM send WHERE status = 'sent'") sent"
done
[ "$done_kills" = "$kills" ] || fail "only $done_kills kills landed while sends were in flight (the dispatch ended too soon?)"
for pid in "${loops[@]}"; do
  wait_for 120 '! running "$pid"' || fail "sends still open 120 s after the last kill: $(pg "SELECT status, count(*) FROM send GROUP BY 1" | tr '\n' ' ')"
done

pg "SELECT send_id FROM send WHERE status = 'sent'" >"$WORK/sent.txt"
owners=$(pg "SELECT count(DISTINCT owner) FROM send")
errors=$(cat "$WORK"/dispatcher-*.log | grep -ci 'error' || true)
FINISHED=1  # the check below prints the PASS/FAIL line
check_shared_dispatch "$count" "$kills" "$concurrency" "$owners" "$errors" dispatcher
