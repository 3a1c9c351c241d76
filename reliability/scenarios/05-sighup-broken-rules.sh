#!/usr/bin/env bash
# The daemon ticks every 2 s. A rule file with an error is added and SIGHUP sent: the old rules
# must keep ticking and the log must name the error by file:line:column. The file is fixed and
# SIGHUP sent again: the new rule must be picked up.
source "$(dirname "$0")/../lib.sh"

write_config 2s "{\"email\": $(email_channel spool)}"
# No limit: every tick records one row per customer, so the rows show which rules ticked when.
write_rule old 'rule "old" { when consent email  send email "hello" }'
write_email_template hello
make_customers 5 email

start_daemon
ticks_of() { sql "SELECT count(DISTINCT decided_at) FROM send WHERE rule = '$1' AND decided_at >= $2"; }
wait_for 20 '[ "$(ticks_of old 0)" -gt 0 ]' || fail "the daemon recorded no tick: $(tail -3 "$WORK/daemon.log")"
say "running with rule \"old\"; adding rules/new.rules with a misspelt fact, then SIGHUP"

printf 'rule "new" {\n  when ordrs >= 0 and consent email\n  send email "hello"\n}\n' >"$WORK/rules/new.rules"
kill -HUP "$DAEMON_PID"
wait_for 10 'grep -q "reload failed" "$WORK/daemon.log"' || fail "no reload failure logged: $(tail -3 "$WORK/daemon.log")"
broken_at=$(date +%s)
location=$(grep -o 'rules/new.rules:[0-9]*:[0-9]*: error: [^"]*' "$WORK/daemon.log" | head -1 || true)
[ -n "$location" ] || fail "the log does not name the error by file:line:column: $(grep 'reload failed' "$WORK/daemon.log")"
say "logged: $location"
wait_for 10 '[ "$(ticks_of old "$broken_at")" -ge 2 ]' || fail "the old rules stopped ticking after the failed reload"
kill -0 "$DAEMON_PID" || fail "the daemon exited after the failed reload"
old_ticks=$(ticks_of old "$broken_at")
say "rule \"old\" recorded $old_ticks ticks after the failed reload; fixing the file, then SIGHUP"

sed -i 's/ordrs/orders/' "$WORK/rules/new.rules"
kill -HUP "$DAEMON_PID"
wait_for 10 'grep -q "reloaded.*rules\.count=2\|rules\.count=2.*reloaded" "$WORK/daemon.log"' \
  || fail "no successful reload logged: $(tail -3 "$WORK/daemon.log")"
wait_for 10 '[ "$(ticks_of new 0)" -ge 1 ]' || fail "the new rule never ticked after the second SIGHUP"
new_ticks=$(ticks_of new 0)
stop_daemon

pass "broken rule file: log has \"$location\", rule \"old\" recorded $old_ticks more ticks;" \
  "after the fix and a second SIGHUP: reloaded with 2 rules, rule \"new\" recorded rows in $new_ticks tick(s)"
