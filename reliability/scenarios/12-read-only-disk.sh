#!/usr/bin/env bash
# The store's filesystem goes read-only under the daemon, the way ext4 with errors=remount-ro does
# after an error (a 64 MB ext4 image on a loop device the scenario mounts; the kernel's
# trigger_fs_error starts it). Rule "pulse" queues every customer every 5 s and email is rate
# limited, so sends are queued and in flight at that moment. While read-only: the daemon keeps
# running, /healthz is 503 "failing" naming the store, `import` and `forget` exit 1 with one line
# and a hint; SIGTERM still stops it with status 0. A filesystem remounted read-only by the kernel
# cannot be made writable while it is mounted, so the administrator stops the daemon, runs fsck and
# mounts it again; the next start resumes: every row the store still has is sent, each
# Message-ID delivered once except rows in flight at the stop (resent with the same Message-ID).
# Commits not yet written back when the filesystem turned read-only are lost, as after a power
# loss (synchronous=NORMAL); the scenario counts them in its evidence.
source "$(dirname "$0")/../lib.sh"

count=300
[ "$QUICK" = 1 ] && count=150

truncate -s 64M "$WORK/disk.img"
mkfs.ext4 -q -F "$WORK/disk.img"
mkdir -p "$WORK/disk"
mount_disk() {
  mount -o loop,errors=remount-ro "$WORK/disk.img" "$WORK/disk" || fail "cannot mount an ext4 image on a loop device (needs root)"
  UNMOUNT+=("$WORK/disk")
}
mount_disk
device=$(basename "$(findmnt -no SOURCE "$WORK/disk")")
[ -w "/sys/fs/ext4/$device/trigger_fs_error" ] || fail "/sys/fs/ext4/$device/trigger_fs_error is missing: this kernel cannot fake an ext4 error"

pulse_on_disk "$count"
say "$count customers on ext4 (errors=remount-ro, $device); rule \"pulse\" queues all every 5 s; email at 100/s"

start_pulse "$count" "the read-only disk"
echo 1 >"/sys/fs/ext4/$device/trigger_fs_error"
wait_for 10 'findmnt -no OPTIONS "$WORK/disk" | grep -q "^ro\|emergency_ro"' || fail "the filesystem did not go read-only"
say "filesystem read-only ($(findmnt -no OPTIONS "$WORK/disk")) with $(open_sends) sends open"

wait_for 60 'healthz "$port" | grep -q "\"status\":\"failing\""' || fail "/healthz did not turn failing within 60 s: $(healthz "$port")"
health=$(healthz "$port")
grep -q "$STORE" <<<"$health" || fail "/healthz does not name the store: $health"
say "/healthz while read-only: $health"

printf 'id,email,name\nN1,n1@example.fi,Uusi\n' >"$WORK/new.csv"
set +e
import_err=$(campaignd import customers "$WORK/new.csv" 2>&1 >/dev/null); import_status=$?
forget_err=$(campaignd forget R1 2>&1 >/dev/null); forget_status=$?
set -e
[ "$import_status" = 1 ] && [ "$forget_status" = 1 ] || fail "import/forget on a read-only disk exited $import_status/$forget_status: $import_err $forget_err"
for err in "$import_err" "$forget_err"; do
  [ "$(grep -vc '^campaignd: hint: ' <<<"$err")" = 1 ] || fail "not one line and a hint: $err"
  grep -q "$STORE" <<<"$err" || fail "the error does not name the store: $err"
  grep -q '^campaignd: hint: ' <<<"$err" || fail "no hint: $err"
done
say "import on a read-only disk: $(head -1 <<<"$import_err")"

sleep 8
running "$DAEMON_PID" || fail "the daemon exited on a read-only disk: $(tail -3 "$WORK/daemon.log")"
say "the daemon kept running; e.g. $(grep -m1 -i 'tick failed\|dispatch failed\|not recorded' "$WORK/daemon.log" | cut -c1-300)"
stop_daemon
sql "SELECT send_id FROM send WHERE status = 'in_flight'" >"$WORK/in-flight-at-stop.txt"
say "SIGTERM: exit 0, $(lines "$WORK/in-flight-at-stop.txt") rows left in flight"

umount "$WORK/disk"
e2fsck -fy "$WORK/disk.img" >/dev/null 2>&1 || [ $? -le 2 ] || fail "e2fsck could not repair the image"
mount_disk
# What the next start may send again: rows still queued or in flight in the store as it survived
# the repair, whose claim or outcome was among the lost commits (same send id, same Message-ID).
sql "SELECT send_id FROM send WHERE status IN ('queued', 'in_flight')" >>"$WORK/in-flight-at-stop.txt"
say "fsck and mounted again read-write ($(open_sends) rows queued or in flight in the repaired store); restarting"
mv "$WORK/daemon.log" "$WORK/daemon-read-only.log"  # http_port reads the new run's address
start_daemon
port=$(http_port)
wait_for 30 'healthz "$port" | grep -q "\"status\":\"ok\""' || fail "/healthz not ok 30 s after the restart: $(healthz "$port")"
wait_for 60 '[ "$(open_sends)" = 0 ]' || fail "sends still open 60 s after the restart: $(statuses)"
stop_daemon
sql "SELECT send_id FROM send WHERE status = 'sent'" >"$WORK/sent.txt"
sql "SELECT send_id FROM send" >"$WORK/rows.txt"
integrity=$(sql "PRAGMA integrity_check")
FINISHED=1
python3 - "$WORK" "$integrity" "$(statuses)" <<'PY'
import collections, json, sys
work, integrity, statuses = sys.argv[1:4]
deliveries = collections.Counter(json.loads(line)["message_id"] for line in open(f"{work}/smtp.jsonl"))
sent = set(open(f"{work}/sent.txt").read().split())
rows = set(open(f"{work}/rows.txt").read().split())
in_flight = set(open(f"{work}/in-flight-at-stop.txt").read().split())
send_id = lambda message_id: message_id.strip("<>").split(".")[0]
delivered = {send_id(m) for m in deliveries}
problems = []
repeated = [m for m, n in deliveries.items() if n > 1]
stray = [m for m in repeated if send_id(m) not in in_flight]
if stray: problems.append(f"{len(stray)} Message-IDs delivered twice that were not open (queued, in flight) at the stop or in the repaired store, e.g. {stray[0]}")
if sent - delivered: problems.append(f"{len(sent - delivered)} rows marked sent were never delivered")
unsent = delivered & rows - sent
if unsent: problems.append(f"{len(unsent)} delivered rows are still not marked sent after the restart")
if integrity != "ok": problems.append(f"integrity_check: {integrity}")
# Commits the kernel had not yet written back when the filesystem turned read-only are gone
# after the repair (synchronous=NORMAL: like a power loss); measured, not hidden.
lost = delivered - rows
evidence = (f"{sum(deliveries.values())} deliveries, {len(deliveries)} distinct Message-IDs; every sent row delivered, "
            f"{len(repeated)} repeated with the same Message-ID, each a row open at the stop or in the repaired store (a lost claim or outcome); "
            f"{len(lost)} delivered sends whose rows the filesystem lost with its unwritten pages; "
            f"send log: {statuses.strip()}; integrity_check {integrity}")
print(("FAIL: " + "; ".join(problems) + " — " if problems else "PASS: ") + evidence)
sys.exit(1 if problems else 0)
PY
