#!/usr/bin/env bash
# Another process holds a write lock on the store (BEGIN EXCLUSIVE) for 2 s: first while
# `run --once` ticks, then while the daemon is dispatching. No error may escape and nothing may
# be lost: the outcome equals that of the same run on an unlocked copy of the store.
source "$(dirname "$0")/../lib.sh"

count=2000
[ "$QUICK" = 1 ] && count=500

write_config 3600s "{\"email\": $(email_channel spool)}"
write_rule hello 'rule "hello" { when consent email  send email "hello"  limit once }'
write_email_template hello
make_customers "$count" email
sql "VACUUM INTO '$WORK/reference.sqlite'"
sed -e 's/"store.sqlite"/"reference.sqlite"/' -e 's#"spool/email"#"reference-spool/email"#' "$CONFIG" >"$WORK/reference.json"

# hold_lock SECONDS: another process takes the store's write lock and keeps it SECONDS; returns
# once it holds it.
hold_lock() {
  rm -f "$WORK/locked"
  python3 - "$STORE" "$1" "$WORK/locked" <<'PY' &
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
db.execute("UPDATE store_meta SET value = value")
open(sys.argv[3], "w").write(f"{time.time()}\n")
time.sleep(float(sys.argv[2]))
db.execute("COMMIT")
PY
  LOCKER_PID=$!
  BACKGROUND+=("$LOCKER_PID")
  wait_for 10 '[ -s "$WORK/locked" ]' || fail "the locking process did not get the lock"
}

say "phase 1: a tick (run --once --no-dispatch) while another process holds the write lock for 2 s ($count customers)"
reference=$("$CAMPAIGND" --config "$WORK/reference.json" run --once --no-dispatch 2>"$WORK/reference.err")
hold_lock 2
started=$(date +%s.%N)
status=0
locked=$(campaignd run --once --no-dispatch 2>"$WORK/locked.err") || status=$?
waited=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
wait "$LOCKER_PID"
say "unlocked copy: $reference"
say "locked store:  $locked  (took $waited s)"
[ "$status" = 0 ] || fail "run --once exited $status under the lock: $(cat "$WORK/locked.err")"
[ ! -s "$WORK/locked.err" ] || fail "run --once wrote to stderr under the lock: $(head -3 "$WORK/locked.err")"
counts() { grep -o 'queued [0-9]*, holdout [0-9]*, skipped [0-9]*' <<<"$1"; }
[ "$(counts "$locked")" = "$(counts "$reference")" ] || fail "the tick's outcome differs from the unlocked run's"
awk -v w="$waited" 'BEGIN { exit !(w >= 1.5) }' || fail "the tick took only $waited s: the lock did not overlap it"
campaignd run --once >/dev/null
spooled=$(find "$WORK/spool/email" -name '*.eml' | wc -l)
[ "$spooled" = "$count" ] || fail "$spooled of $count emails spooled after the locked tick"

# The rate spreads the dispatch over 5 s, so the lock (taken once the first send is out, which
# on a busy machine may take a second or more) lands in the middle of it.
rate=$((count / 5))
say "phase 2: the daemon dispatches $count more sends at $rate per second; the lock is taken for 2 s in the middle"
sql "DELETE FROM send"
rm -rf "$WORK/spool"
write_config 3600s "{\"email\": $(email_channel spool)}" "{\"concurrency\": 8, \"rate_per_second\": {\"email\": $rate}}"
start_daemon
wait_for 30 '[ "$(sent_count)" -gt 0 ]' || fail "the daemon sent nothing"
hold_lock 2
sent_at_lock=$(sent_count)
wait "$LOCKER_PID"
wait_for 60 'settled $count' || fail "sends still open: $(statuses)"
stop_daemon
errors=$(grep -ci 'error' "$WORK/daemon.log" || true)
sent=$(sent_count)
spooled=$(find "$WORK/spool/email" -name '*.eml' | wc -l)
[ "$errors" = 0 ] || fail "the daemon logged errors: $(grep -i error "$WORK/daemon.log" | head -3)"
[ "$sent" = "$count" ] && [ "$spooled" = "$count" ] || fail "$sent rows sent, $spooled spooled, of $count"
[ "$sent_at_lock" -lt "$count" ] || fail "the lock came after the last send"

pass "tick under a 2 s lock: waited, took $waited s, exit 0, nothing on stderr, $(counts "$locked") as unlocked, all $count then sent;" \
  "daemon locked out for 2 s after $sent_at_lock of $count sends: all $sent sent and spooled once, no error logged"
