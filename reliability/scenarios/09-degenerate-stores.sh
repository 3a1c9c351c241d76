#!/usr/bin/env bash
# Reliability scenario 9: degenerate stores (issue 13, "nothing crashes, nothing hangs"). Every
# command — plan, plan --threads 8, run --once, the daemon for a few 1 s ticks then SIGTERM,
# explain, report, log, status, check, forget, unsubscribe — against a missing store, a new empty
# one, one customer, customer ids with gaps up to 9223372036854775807, every customer forgotten,
# a store written by a newer schema, and a read-only store file and directory (chattr +i: the
# suite runs as root, which ignores file modes; skipped with a note where chattr does not work).
# Each run must end within 60 s by exiting (never a signal, exit < 128) with the documented
# status (0, or 1 with one stderr line plus at most one `hint:` line) and no crash text.
# Quick mode runs the daemon on fewer stores. The same matrix, larger, is
# Tests/CampaigndTests/DegenerateStoreMatrixTests.swift.
# Environment: CAMPAIGND (release binary), REPO (repo root), WORK (empty directory), QUICK (1/0).
set -uo pipefail
: "${CAMPAIGND:?}" "${REPO:?}" "${WORK:?}"
exec python3 - "$CAMPAIGND" "$REPO" "$WORK" "${QUICK:-0}" <<'PYTHON'
import base64, hashlib, hmac, json, os, re, shutil, signal, sqlite3, subprocess, sys, time

campaignd, repo, work, quick = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
os.chdir(work)
demo = f"{repo}/examples/demo"
started = time.time()
failures, passed, skipped = [], 0, []
INT64_MAX = 9223372036854775807

os.makedirs("rules")
shutil.copy(f"{repo}/rules/lifecycle.rules", "rules/")
with open("rules/everyone.rules", "w") as f:
    f.write('rule "everyone-email" {\n  when consent email\n  send email "winback-coupon"\n  limit once\n}\n'
            'rule "everyone-webhook" {\n  when consent webhook\n  send webhook "crm-escalation"\n  limit once\n}\n')
key = open(f"{demo}/secrets/unsubscribe.key", "rb").read().rstrip()
b64 = lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")
TOKEN = b64(b"email:K1") + "." + b64(hmac.new(key, b"email:K1", hashlib.sha256).digest())

def config(name):
    """A workspace NAME/ with the demo's config: its rules plus "everyone", store NAME/store/store.sqlite, 1 s ticks."""
    os.makedirs(f"{name}/store", exist_ok=True)
    text = open(f"{demo}/config.json").read()
    text = (text.replace('"../../var/demo/campaignd.sqlite"', f'"{work}/{name}/store/store.sqlite"')
                .replace('"../../var/demo/spool/', f'"{work}/{name}/spool/')
                .replace('"rules": "../../rules"', f'"rules": "{work}/rules"')
                .replace('"templates": "../../templates"', f'"templates": "{repo}/templates"')
                .replace('"secrets/', f'"{demo}/secrets/')
                .replace('"currency": "EUR",', '"currency": "EUR", "tick": "1s",'))
    open(f"{name}/config.json", "w").write(text)
    return f"{work}/{name}/config.json"

def setup(cfg, *args):
    r = subprocess.run([campaignd, "--config", cfg, "--log-level", "warning", *args], capture_output=True, timeout=60)
    if r.returncode != 0:
        print(f"FAIL: building a store: {' '.join(args)}: exit {r.returncode}: {r.stderr.decode()[:300]}")
        sys.exit(1)

def csv(name, text):
    open(name, "w").write(text)
    return f"{work}/{name}"

def consents(ids, channels):
    return "customer,channel,status,at\n" + "".join(f"{i},{c},granted,2025-01-01T00:00:00Z\n" for i in ids for c in channels)

# ---------------------------------------------------------------- the stores
stores = {}
stores["missing"] = config("missing")
cfg = stores["empty"] = config("empty")
setup(cfg, "import", "customers", csv("empty.csv", "id,email\n"))
cfg = stores["one customer"] = config("one")
setup(cfg, "import", "customers", csv("one.csv", "id,email,name\nK1,k1@example.fi,Kaisa\n"))
setup(cfg, "import", "consents", csv("one-consents.csv", consents(["K1"], ["email", "webhook"])))
cfg = stores["id gaps up to Int64.max"] = config("gaps")
setup(cfg, "import", "customers", csv("gaps.csv", "id,email\n" + "".join(f"K{i},k{i}@example.fi\n" for i in range(1, 6))))
setup(cfg, "import", "consents", csv("gaps-consents.csv", consents([f"K{i}" for i in range(1, 6)], ["email"])))
for i in (2, 3, 4):
    setup(cfg, "forget", f"K{i}")
db = sqlite3.connect("gaps/store/store.sqlite")
for cid, ext in ((4_000_000_000, "KBIG"), (INT64_MAX, "KMAX")):
    db.execute("INSERT INTO customer(id, external_id, email) VALUES (?, ?, ?)", (cid, ext, ext.lower() + "@example.fi"))
    db.execute("INSERT INTO consent(customer_id, channel, status, at) VALUES (?, 'email', 'granted', 1735689600)", (cid,))
db.commit(); db.close()
cfg = stores["all forgotten"] = config("forgotten")
setup(cfg, "import", "customers", csv("forgotten.csv", "id,email\nK1,k1@example.fi\nK2,k2@example.fi\n"))
setup(cfg, "import", "consents", csv("forgotten-consents.csv", consents(["K1", "K2"], ["email", "webhook"])))
setup(cfg, "run", "--once")
for i in ("K1", "K2"):
    setup(cfg, "forget", i)
cfg = stores["newer schema"] = config("newer")
setup(cfg, "import", "customers", csv("newer.csv", "id,email\nK1,k1@example.fi\n"))
db = sqlite3.connect("newer/store/store.sqlite")
db.execute("INSERT INTO grdb_migrations(identifier) VALUES ('v9-from-a-newer-campaignd')")
db.commit(); db.close()

def chattr(on, path):
    return subprocess.run(["chattr", "+i" if on else "-i", path], capture_output=True).returncode == 0

# Root ignores file modes; the immutable attribute stops root too (where the file system has it).
probe = f"{work}/chattr-probe"
open(probe, "w").write("x")
immutable_works = False
if chattr(True, probe):
    try:
        open(probe, "a").close()
    except PermissionError:
        immutable_works = True
    chattr(False, probe)
immutable = []
for name, target in (("read-only store file", "store/store.sqlite"), ("read-only store directory", "store")):
    if not immutable_works:
        skipped.append(name)
        continue
    folder = name.replace(" ", "-")
    cfg = stores[name] = config(folder)
    shutil.copy("one/store/store.sqlite", f"{folder}/store/store.sqlite")
    chattr(True, f"{work}/{folder}/{target}")
    immutable.append(f"{work}/{folder}/{target}")

# ---------------------------------------------------------------- the matrix
CRASH = re.compile(r"Fatal error|Swift runtime failure|Stack dump|Backtrac|Illegal instruction|Segmentation fault|0x[0-9a-f]{6}")
LOG = re.compile(r"^\d{4}-\d\d-\d\dT\S+ (trace|debug|info|notice) ")
commands = [["plan"], ["plan", "--threads", "8"], ["run", "--once"], ["run"], ["explain", "K1"], ["report"], ["log"],
            ["status"], ["check"], ["forget", "K1"], ["unsubscribe", TOKEN]]

def expected(store, args):
    if args[0] == "check":
        return 0
    if store == "missing":
        return 0 if args in (["status"], ["run"]) else 1
    if store in ("newer schema", "read-only store file", "read-only store directory"):
        return 1
    if args[0] in ("explain", "forget") and store in ("empty", "all forgotten"):
        return 1
    return 0

def run(cfg, args):
    """Runs one command (the daemon: 2.5 s of 1 s ticks, then SIGTERM); returns (status, stderr, problem)."""
    out, err = open("last.out", "wb"), open("last.err", "wb")
    proc = subprocess.Popen([campaignd, "--config", cfg, *args], stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                            cwd=os.path.dirname(cfg))
    problem = None
    try:
        if args == ["run"]:
            try:
                proc.wait(timeout=2.5)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    problem = "did not stop within 30 s of SIGTERM"
        else:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                problem = "did not end within 60 s"
    finally:
        if proc.poll() is None:
            proc.kill(); proc.wait()
        out.close(); err.close()
    return proc.returncode, open("last.err", "rb").read().decode("utf-8", "replace"), problem

for store, cfg in stores.items():
    print(f"{store}")
    for args in commands:
        name = f"{store}: {' '.join(args[:1] + (['TOKEN'] if args[0] == 'unsubscribe' else args[1:]))}"
        if quick and args == ["run"] and store in ("one customer", "all forgotten"):  # 2.5 s each; full mode only
            continue
        if store == "missing":  # status and the daemon create the store: remove it before each command
            shutil.rmtree("missing/store", ignore_errors=True)
        t0 = time.time()
        status, err, problem = run(cfg, args)
        want = expected(store, args)
        lines = [l for l in err.splitlines() if not LOG.match(l)]
        problems = [problem] if problem else []
        if status < 0 or status >= 128:
            problems.append(f"ended by signal ({status})")
        elif status != want:
            problems.append(f"exit {status}, expected {want}")
        if CRASH.search(err):
            problems.append("crash text on stderr")
        if status > 0 and not (lines and lines[0].startswith("campaignd: ") and not lines[0].startswith("campaignd: hint:")
                               and (len(lines) == 1 or (len(lines) == 2 and lines[1].startswith("campaignd: hint: ")))):
            problems.append(f"a failure is not one line and at most one hint ({len(lines)} lines)")
        shown = (lines[0] if lines else "")[:150]
        print(f"  {'ok  ' if not problems else 'FAIL'} {' '.join(args)[:40]}: exit {status} in {time.time() - t0:.2f}s{': ' + shown if shown else ''}")
        for p in problems:
            failures.append(f"{name}: {p}")
            print(f"       {p}; stderr: {err[:400]!r}")
        if not problems:
            passed += 1

for path in immutable:
    chattr(False, path)
elapsed = time.time() - started
note = f"; skipped {', '.join(skipped)} (chattr +i does not work here)" if skipped else ""
print(f"{passed} cases passed, {len(failures)} failed, {elapsed:.1f} s{note}")
if failures:
    print("FAIL: " + "; ".join(failures[:5]) + (f" (and {len(failures) - 5} more)" if len(failures) > 5 else ""))
    sys.exit(1)
print(f"PASS: {passed} command × degenerate-store cases ({len(stores)} stores: {', '.join(stores)}; 11 commands incl. the daemon "
      f"stopped by SIGTERM): each exited (no signal, no hang) with the documented status, failures one line + hint, no crash text "
      f"({elapsed:.0f} s){note}")
PYTHON
