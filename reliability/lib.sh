# Shared shell functions for reliability/scenarios/NN-*.sh (sourced, not run).
#
# The runner sets CAMPAIGND (the release binary), REPO (the repository root), WORK (an empty
# directory for this scenario) and QUICK (1 or 0). Everything a scenario starts in the background
# through these functions (test servers, daemons) is stopped when the scenario exits, however it
# exits. A scenario's last line is `PASS: evidence` or `FAIL: evidence` (see `pass` and `fail`).
set -euo pipefail

: "${CAMPAIGND:?run scenarios through reliability/run}" "${REPO:?}" "${WORK:?}" "${QUICK:=0}"
SERVERS="$REPO/Tests/DeliveryTests/Servers"
STORE="$WORK/store.sqlite"
CONFIG="$WORK/config.json"
WEBHOOK_SECRET_FILE="$REPO/examples/demo/secrets/crm-escalation.whsec"
WEBHOOK_SECRET=$(tr -d '\n' <"$WEBHOOK_SECRET_FILE")
BACKGROUND=()  # pids of servers and daemons, stopped on exit
SERVER_FDS=()  # write ends of the servers' stdin FIFOs (a server stops when its stdin closes)
UNMOUNT=()     # filesystems the scenario mounted (small_disk), unmounted on exit after the daemons stop
PG_DIRS=()     # directories of PostgreSQL servers (start_postgres), stopped and removed on exit

say() { printf '%s\n' "$*"; }
# pass EVIDENCE / fail EVIDENCE: the scenario's last line, and its exit.
pass() { FINISHED=1; say "PASS: $(tr '\n' ' ' <<<"$*" | sed 's/ *$//')"; exit 0; }
fail() { FINISHED=1; say "FAIL: $(tr '\n' ' ' <<<"$*" | sed 's/ *$//')"; exit 1; }

stop_background() {
  local pid
  for pid in "${BACKGROUND[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  for pid in "${BACKGROUND[@]}"; do wait "$pid" 2>/dev/null || true; done
  BACKGROUND=()
}
on_exit() {
  local status=$?
  stop_background
  local mounted
  for mounted in "${UNMOUNT[@]}"; do umount -l "$mounted" 2>/dev/null || true; done
  UNMOUNT=()
  local directory
  for directory in "${PG_DIRS[@]}"; do
    as_postgres "$PG_BIN/pg_ctl" -D "$directory/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$directory"
  done
  PG_DIRS=()
  # An unexpected error (set -e) must still end with a FAIL line.
  if [ "$status" -ne 0 ] && [ "${FINISHED:-0}" != 1 ]; then say "FAIL: the scenario stopped with status $status (see above)"; fi
}
trap on_exit EXIT

# campaignd ARGS...: the binary with this scenario's config, logging warnings and errors only.
campaignd() { "$CAMPAIGND" --config "$CONFIG" --log-level warning "$@"; }

# sql QUERY: one query against the store (sqlite3 CLI, list mode).
sql() { sqlite3 -cmd ".timeout 10000" "$STORE" "$1"; }

# open_sends: how many rows are still queued or in flight.
open_sends() { sql "SELECT count(*) FROM send WHERE status IN ('queued', 'in_flight')"; }
# sent_count: how many rows are sent.
sent_count() { sql "SELECT count(*) FROM send WHERE status = 'sent'"; }
# settled N: the send log has N rows and none is queued or in flight.
settled() { [ "$(sql "SELECT count(*) FROM send")" = "$1" ] && [ "$(open_sends)" = 0 ]; }
# statuses: the send log's rows per status, e.g. "failed|1 sent|10".
statuses() { sql "SELECT status, count(*) FROM send GROUP BY status" | tr '\n' ' '; }

# make_customers N CHANNEL [EXTRA_EMAILS...]: customers.csv with N customers R1…RN
# (rN@example.fi), then each EXTRA_EMAIL as customer X1, X2, …, and consents.csv granting CHANNEL
# to all; imports both.
make_customers() {
  local count=$1 channel=$2
  shift 2
  python3 - "$WORK" "$count" "$channel" "$@" <<'PY'
import sys
work, count, channel, extras = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
ids = [(f"R{i}", f"r{i}@example.fi") for i in range(1, count + 1)]
ids += [(f"X{i}", email) for i, email in enumerate(extras, 1)]
with open(f"{work}/customers.csv", "w") as f:
    f.write("id,email,name\n")
    f.writelines(f"{cid},{email},Asiakas {cid}\n" for cid, email in ids)
with open(f"{work}/consents.csv", "w") as f:
    f.write("customer,channel,status,at\n")
    f.writelines(f"{cid},{channel},granted,2020-01-01T00:00:00Z\n" for cid, _ in ids)
PY
  campaignd import customers "$WORK/customers.csv" >/dev/null
  campaignd import consents "$WORK/consents.csv" >/dev/null
}

# write_rule NAME TEXT: rules/NAME.rules.
write_rule() {
  mkdir -p "$WORK/rules"
  printf '%s\n' "$2" >"$WORK/rules/$1.rules"
}

# write_email_template NAME: templates/email/NAME.{subject,text}.mustache.
write_email_template() {
  mkdir -p "$WORK/templates/email"
  printf 'Hei {{customer.name}}\n' >"$WORK/templates/email/$1.subject.mustache"
  printf 'Hei {{customer.name}},\n\ntervetuloa takaisin.\n\nPeru tilaus: {{send.unsubscribe_url}}\n' \
    >"$WORK/templates/email/$1.text.mustache"
}

# write_config TICK CHANNELS_JSON [DISPATCH_JSON] [RETRY_JSON]: config.json in WORK with the
# store, rules and templates there, no contact-pressure cap to speak of, and the given channels.
write_config() {
  local tick=$1 channels=$2
  local dispatch=${3:-'{"concurrency": 8, "rate_per_second": {"email": 5000, "letter": 5000, "webhook": 5000}}'}
  local retry=${4:-'{"initial_delay": "2s", "max_delay": "60s", "max_age": "2d"}'}
  printf 'unsubscribe-secret-for-reliability-tests\n' >"$WORK/unsubscribe.key"
  cat >"$CONFIG" <<JSON
{
  "store": "store.sqlite", "rules": "rules", "templates": "templates",
  "time_zone": "Europe/Helsinki", "tick": "$tick",
  "contact_pressure": {"max_messages": 1000, "per_days": 1},
  "dispatch": $dispatch,
  "retry": $retry,
  "channels": $channels
}
JSON
}

# email_channel MODE [PORT]: the email channel's JSON, spooling to WORK/spool or sending to the
# SMTP sink on 127.0.0.1:PORT.
email_channel() {
  local url=""
  [ "$1" = live ] && url="\"smtp_url\": \"smtp://127.0.0.1:$2\","
  printf '{"mode": "%s", %s "spool_directory": "spool/email", "connections": 4, "timeout": "10s",
    "from": "Kauppa <kauppa@example.com>", "unsubscribe_url": "https://kauppa.example/unsubscribe",
    "unsubscribe_secret_file": "unsubscribe.key"}' "$1" "$url"
}

# webhook_channel PORT: a live webhook channel with endpoint "sink" on 127.0.0.1:PORT.
webhook_channel() {
  printf '{"mode": "live", "timeout": "5s", "endpoints": {"sink": {"url": "http://127.0.0.1:%s/hooks/sink",
    "secret_files": ["%s"]}}}' "$1" "$WEBHOOK_SECRET_FILE"
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on now.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start_server NAME SCRIPT ARGS...: starts Tests/DeliveryTests/Servers/SCRIPT recording to
# WORK/NAME.jsonl, waits for it to listen and sets NAME_PORT (upper case) and NAME_PID.
start_server() {
  local name=$1 script=$2 fd
  shift 2
  local out="$WORK/$name.out" fifo="$WORK/$name.stdin"
  : >"$WORK/$name.jsonl"
  rm -f "$fifo"
  mkfifo "$fifo"
  python3 "$SERVERS/$script" "$WORK/$name.jsonl" "$@" <"$fifo" >"$out" 2>"$WORK/$name.err" &
  local pid=$!
  BACKGROUND+=("$pid")
  exec {fd}>"$fifo"
  SERVER_FDS+=("$fd")
  local deadline=$((SECONDS + 20))
  until grep -q '^READY ' "$out" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || fail "$script did not start: $(cat "$WORK/$name.err")"
    [ $SECONDS -lt $deadline ] || fail "$script did not start within 20 s"
    sleep 0.05
  done
  local upper
  upper=$(printf '%s' "$name" | tr '[:lower:]' '[:upper:]')
  printf -v "${upper}_PORT" '%s' "$(sed -n 's/^READY //p' "$out")"
  printf -v "${upper}_PID" '%s' "$pid"
}

# start_daemon: `campaignd run` in WORK with its log appended to WORK/daemon.log; sets DAEMON_PID.
start_daemon() {
  (
    for fd in "${SERVER_FDS[@]}"; do eval "exec $fd>&-"; done
    cd "$WORK"
    exec "$CAMPAIGND" --config "$CONFIG" run </dev/null >>"$WORK/daemon.out" 2>>"$WORK/daemon.log"
  ) &
  DAEMON_PID=$!
  BACKGROUND+=("$DAEMON_PID")
}

# start_pg_daemon N: one of several daemons sharing a PostgreSQL store, `campaignd run` in WORK
# logging to WORK/daemon-N.log (appended: a restarted daemon N goes on in the same file); its pid
# in DAEMON_N.
start_pg_daemon() {
  (
    for fd in "${SERVER_FDS[@]}"; do eval "exec $fd>&-"; done
    cd "$WORK"
    exec "$CAMPAIGND" --config "$CONFIG" run </dev/null >>"$WORK/daemon-$1.out" 2>>"$WORK/daemon-$1.log"
  ) &
  BACKGROUND+=("$!")
  eval "DAEMON_$1=$!"
}

# stop_daemon: SIGTERM to the daemon; ends the scenario with FAIL unless it exits 0 within 30 s.
stop_daemon() {
  kill -TERM "$DAEMON_PID"
  wait_for 30 '! running "$DAEMON_PID"' || kill -KILL "$DAEMON_PID"
  local status=0
  wait "$DAEMON_PID" || status=$?
  [ "$status" = 0 ] || fail "the daemon exited with status $status after SIGTERM (137: killed after 30 s): $(tail -2 "$WORK/daemon.log")"
}

# running PID: the process exists and has not exited (a zombie has).
running() { [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }

# wait_for SECONDS 'CONDITION': evaluates the shell CONDITION (in single quotes, so that its
# command substitutions run each time) every 0.2 s until it holds; returns 1 after SECONDS.
wait_for() {
  local deadline=$((SECONDS + $1))
  until eval "$2"; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}

# lines FILE: the number of lines in FILE.
lines() { wc -l <"$1" | tr -d ' '; }

# small_disk DIR MEGABYTES: mounts a tmpfs of MEGABYTES on DIR (the scenario runs as root);
# unmounted when the scenario exits, however it exits.
small_disk() {
  mkdir -p "$1"
  mount -t tmpfs -o "size=${2}m" tmpfs "$1" || fail "cannot mount a ${2} MB tmpfs on $1 (scenarios with a small disk need root)"
  UNMOUNT+=("$1")
}

# fill_disk DIR: writes DIR/filler until the filesystem holding DIR is full.
fill_disk() {
  dd if=/dev/zero of="$1/filler" bs=64k status=none 2>/dev/null || true
  dd if=/dev/zero of="$1/filler" bs=512 oflag=append conv=notrunc status=none 2>/dev/null || true
  [ "$(df --output=avail "$1" | tail -1 | tr -d ' ')" -lt 8 ] || fail "$1 is not full after filling: $(df -h "$1" | tail -1)"
}

# pulse_on_disk COUNT: the setup of the disk scenarios (11, 12), whose store lives on the
# filesystem the scenario mounted on $WORK/disk: an SMTP sink, email at 100/s with 4 at a time,
# the HTTP listener, rule "pulse" that queues every one of COUNT customers on each 5 s tick.
# Sets STORE.
pulse_on_disk() {
  start_server smtp smtp_server.py --brief
  write_config 5s "{\"email\": $(email_channel live "$SMTP_PORT")}" \
    '{"concurrency": 4, "rate_per_second": {"email": 100}}'
  http_config
  python3 - "$CONFIG" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
config["store"] = "disk/store.sqlite"
json.dump(config, open(sys.argv[1], "w"), indent=2)
PY
  STORE="$WORK/disk/store.sqlite"
  write_rule pulse 'rule "pulse" { when consent email  send email "hello" }'
  write_email_template hello
  make_customers "$1" email
}

# start_pulse COUNT WHAT: starts the daemon of pulse_on_disk, sets port, and waits until the
# first tick's COUNT sends went out and a later tick's are open, ready to meet WHAT.
start_pulse() {
  local first_tick=$1  # wait_for's condition runs inside wait_for, where $1 is its own
  start_daemon
  port=$(http_port)
  wait_for 60 '[ "$(sent_count)" -ge "$first_tick" ]' || fail "the first tick's sends did not go out within 60 s: $(statuses)"
  wait_for 20 '[ "$(open_sends)" -gt 0 ]' || fail "no send was open to meet $2"
}

# http_config [REQUEST_TIMEOUT]: adds an HTTP listener on 127.0.0.1 (a free port) to the config.
http_config() {
  python3 - "$CONFIG" "${1:-5s}" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
config["http"] = {"listen": "127.0.0.1:0", "request_timeout": sys.argv[2]}
json.dump(config, open(sys.argv[1], "w"), indent=2)
PY
}

# http_port: the port the daemon's listener is on (from its log); waits up to 20 s.
http_port() {
  wait_for 20 'grep -q "http.address=" "$WORK/daemon.log"' || fail "the listener did not start: $(tail -3 "$WORK/daemon.log")"
  sed -n 's/.*http.address=127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK/daemon.log" | tail -1
}

# healthz PORT: the body of GET /healthz (any status).
healthz() { curl -s --max-time 5 "http://127.0.0.1:$1/healthz" || true; }

# as_postgres COMMAND...: runs COMMAND as the postgres user when root (PostgreSQL refuses to run
# as root), else as this user.
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# start_postgres: a throwaway PostgreSQL server (Debian's, the newest installed) on 127.0.0.1 and
# a free port, with a database `campaignd` that the user `campaignd` owns; sets PG_URL, PG_PORT,
# PG_BIN and PG_DIR. Stopped (immediately) and removed when the scenario exits.
start_postgres() {
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -x "$PG_BIN/initdb" ] || fail "no PostgreSQL server binaries (scripts/setup installs postgresql-15)"
  PG_DIR=$(mktemp -d /tmp/campaignd-reliability-pg.XXXXXX)
  PG_DIRS+=("$PG_DIR")
  [ "$(id -u)" != 0 ] || chown postgres "$PG_DIR"
  as_postgres "$PG_BIN/initdb" -D "$PG_DIR/data" -U campaignd -A trust -E UTF8 --no-locale --no-sync >"$PG_DIR/initdb.log" 2>&1 \
    || fail "initdb failed: $(tail -3 "$PG_DIR/initdb.log")"
  PG_PORT=$(free_port)
  pg_ctl_start || fail "PostgreSQL did not start: $(tail -3 "$PG_DIR/server.log")"
  psql -h 127.0.0.1 -p "$PG_PORT" -U campaignd -d postgres -XAtq -c "CREATE DATABASE campaignd" >/dev/null
  PG_URL="postgres://campaignd@127.0.0.1:$PG_PORT/campaignd"
}

# pg_ctl_start: starts the server of start_postgres again (after pg_ctl_stop) on the same port.
pg_ctl_start() {
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200" \
    start >/dev/null
}

# pg_ctl_stop: stops that server, cutting its connections (fast shutdown).
pg_ctl_stop() { as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null; }

# webhooks_on_postgres COUNT: the rule "notify" (one webhook per customer with webhook consent),
# COUNT such customers, the store copied into the PostgreSQL of start_postgres and the config
# pointed at it (after write_config).
webhooks_on_postgres() {
  write_rule notify 'rule "notify" { when consent webhook  send webhook "sink"  limit once }'
  make_customers "$1" webhook
  campaignd store copy --to "$PG_URL" >/dev/null
  sed -i "s#\"store\": \"store.sqlite\"#\"store\": \"$PG_URL\"#" "$CONFIG"
}

# check_shared_dispatch COUNT KILLS CONCURRENCY OWNERS ERRORS WHO [MORE]: the verdict of a
# scenario where several WHOs (dispatcher, daemon) shared one PostgreSQL store's webhooks and some
# were killed: WORK/webhook.jsonl (the receiver's records), WORK/sent.txt (the sent rows' ids) and
# WORK/in-flight-at-kills.txt (the rows the killed ones held). Every sent row delivered, nothing
# else; repeats only of held rows, at most KILLS × CONCURRENCY; more than three OWNERS; no ERRORS;
# every signature verified. Prints the PASS or FAIL line (MORE is appended to PASS) and fails.
check_shared_dispatch() {
  python3 - "$WORK" "$@" <<'PY'
import collections, json, sys
work, count, kills, concurrency, owners, errors = sys.argv[1], *map(int, sys.argv[2:7])
who, more = sys.argv[7], (sys.argv[8] if len(sys.argv) > 8 else "")
records = [json.loads(line) for line in open(f"{work}/webhook.jsonl")]
sent = set(open(f"{work}/sent.txt").read().split())
held = set(open(f"{work}/in-flight-at-kills.txt").read().split())
delivered = collections.Counter(r["headers"]["webhook-id"] for r in records)
repeats = {i: n - 1 for i, n in delivered.items() if n > 1}
problems = []
if len(sent) != count: problems.append(f"{len(sent)} of {count} rows sent")
if set(delivered) != sent: problems.append(f"{len(set(delivered) - sent)} delivered webhook-ids without a sent row, {len(sent - set(delivered))} sent rows never delivered")
stray = [i for i in repeats if i not in held]
if stray: problems.append(f"{len(stray)} webhook-ids delivered twice that no killed {who} held (two live {who}s sent them), e.g. {stray[0]}")
if sum(repeats.values()) > kills * concurrency: problems.append(f"{sum(repeats.values())} repeated deliveries, over the bound {kills} x {concurrency}")
unverified = [r for r in records if not r["verified"]]
if unverified: problems.append(f"{len(unverified)} requests whose signature does not verify")
if owners < 4: problems.append(f"rows claimed by only {owners} {who} processes (three and {kills} restarts should give more)")
if errors: problems.append(f"{errors} error lines in the {who}s' logs")
if problems:
    print("FAIL: " + "; ".join(problems))
    sys.exit(1)
print(f"PASS: {len(records)} deliveries of {len(delivered)} distinct webhook-ids = the {count} sent rows; {kills} kills left "
      f"{len(held)} rows in flight; {sum(repeats.values())} repeated deliveries (bound kills x concurrency = {kills * concurrency}), "
      f"each of a row a killed {who} held; rows claimed by {owners} {who} processes; all signatures verify{more}")
PY
}

# pg QUERY: one query against the PostgreSQL store (psql, unaligned, `|` between columns).
pg() { psql "$PG_URL" -XAtq -c "$1"; }
