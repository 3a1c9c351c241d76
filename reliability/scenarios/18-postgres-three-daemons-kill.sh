#!/usr/bin/env bash
# Three daemons on one PostgreSQL store, one of them killed with SIGKILL five times (issue 18):
# 10,000 webhooks (quick: 2,000) queued by the first tick of three `campaignd run` daemons, each
# sending at most 400 a second (quick: 150) with 8 at a time into a verifying receiver that answers
# after 5 ms. Five times, a daemon chosen at random that holds sends in flight is killed with
# SIGKILL and started again at once (it ticks again: nothing new). The lease is 3 s, renewed by
# live daemons: a killed daemon's rows come back to the others (or to itself, restarted) once it
# has run out, never while their owner lives. Every webhook-id must arrive, every row must end
# `sent`, and the only repeats allowed are of rows a killed daemon held in flight (at most
# kills × concurrency): no send is delivered by two live daemons. The three then stop on SIGTERM.
source "$(dirname "$0")/../lib.sh"

count=10000 kills=5 concurrency=8 rate=400
[ "$QUICK" = 1 ] && count=2000 rate=150

start_postgres
start_server webhook http_server.py --latency 0.005 "$WEBHOOK_SECRET"
write_config 3600s "{\"webhook\": $(webhook_channel "$WEBHOOK_PORT")}" \
  "{\"concurrency\": $concurrency, \"rate_per_second\": {\"webhook\": $rate}, \"lease\": \"3s\"}"
webhooks_on_postgres "$count"

start_pg_daemon 1
start_pg_daemon 2
start_pg_daemon 3
wait_for 60 '[ "$(pg "SELECT count(*) FROM send")" = "$count" ]' \
  || fail "the first tick did not record $count rows in 60 s: $(pg "SELECT count(*) FROM send") ($(tail -2 "$WORK/daemon-1.log"))"
say "$count webhooks queued on PostgreSQL (port $PG_PORT) by the daemons' first tick; three daemons dispatch them, $kills kills"

: >"$WORK/in-flight-at-kills.txt"
done_kills=0 attempts=0
while [ "$done_kills" -lt "$kills" ] && [ "$attempts" -lt 300 ]; do
  attempts=$((attempts + 1))
  sleep "0.$((RANDOM % 4 + 3))"
  n=$((RANDOM % 3 + 1))
  pid=$(eval "echo \$DAEMON_$n")
  running "$pid" || fail "daemon $n (pid $pid) exited by itself: $(tail -3 "$WORK/daemon-$n.log")"
  # Only a daemon with sends in flight: a kill while it starts or ticks proves nothing here.
  held=$(pg "SELECT count(*) FROM send WHERE status = 'in_flight' AND owner LIKE '%:$pid:%'")
  [ "$held" -gt 0 ] || continue
  kill -KILL "$pid" 2>/dev/null || continue
  wait "$pid" 2>/dev/null || true
  done_kills=$((done_kills + 1))
  pg "SELECT send_id FROM send WHERE status = 'in_flight' AND owner LIKE '%:$pid:%'" >>"$WORK/in-flight-at-kills.txt"
  start_pg_daemon "$n"
  say "kill -9 #$done_kills: daemon $n (pid $pid, now $(eval "echo \$DAEMON_$n")), $(lines "$WORK/in-flight-at-kills.txt") rows in flight at kills so far, $(pg "SELECT count(*) FROM send WHERE status = 'sent'") sent"
done
[ "$done_kills" = "$kills" ] || fail "only $done_kills kills landed while sends were in flight (the dispatch ended too soon?)"
wait_for 120 '[ "$(pg "SELECT count(*) FROM send WHERE status = '"'sent'"'")" = "$count" ]' \
  || fail "sends still open 120 s after the last kill: $(pg "SELECT status, count(*) FROM send GROUP BY 1" | tr '\n' ' ')"
for n in 1 2 3; do
  pid=$(eval "echo \$DAEMON_$n")
  running "$pid" || fail "daemon $n (pid $pid) exited by itself: $(tail -3 "$WORK/daemon-$n.log")"
  kill -TERM "$pid"
  wait_for 30 '! running "$pid"' || fail "daemon $n did not stop within 30 s of SIGTERM"
  wait "$pid" || fail "daemon $n exited with status $? after SIGTERM"
done

pg "SELECT send_id FROM send WHERE status = 'sent'" >"$WORK/sent.txt"
owners=$(pg "SELECT count(DISTINCT owner) FROM send")
errors=$(cat "$WORK"/daemon-*.log | grep -c ' error ' || true)
FINISHED=1  # the check below prints the PASS/FAIL line
check_shared_dispatch "$count" "$kills" "$concurrency" "$owners" "$errors" daemon "; the three stopped cleanly on SIGTERM"
