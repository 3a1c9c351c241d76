#!/usr/bin/env bash
# Reliability scenario 8: hostile input. Rule files, CSV / JSON Lines imports, templates and
# config values with invalid UTF-8, CR/LF, NUL, 10 MB lines, SQL and Mustache metacharacters.
# Each case must end with the expected exit status (1, or 0 where the input is legitimate data),
# never a crash (signal, exit >= 128, "Fatal error", a stack trace), with a short stderr (no
# echo of a 10 MB value), and a rejected import must leave the store exactly as it was.
# Environment: CAMPAIGND (release binary), REPO (repo root), WORK (empty directory), QUICK (1/0).
set -uo pipefail
: "${CAMPAIGND:?}" "${REPO:?}" "${WORK:?}"
exec python3 - "$CAMPAIGND" "$REPO" "$WORK" "${QUICK:-0}" <<'PYTHON'
import hashlib, json, os, re, shutil, sqlite3, subprocess, sys, time

campaignd, repo, work, quick = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
os.chdir(work)
BIG = 10 * 1024 * 1024
failures, passed = [], 0
started = time.time()

def write(path, data):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())

def config(name, store="store.sqlite", templates=None, rules="rules", **email):
    base = {
        "store": f"{work}/{store}", "rules": f"{work}/{rules}", "templates": templates or f"{work}/templates",
        "time_zone": "Europe/Helsinki", "currency": "EUR",
        "channels": {
            "email": {"mode": "spool", "spool_directory": f"{work}/spool/email", "from": "Shop <shop@example.com>",
                      "unsubscribe_url": "https://shop.example/unsubscribe",
                      "unsubscribe_secret_file": f"{repo}/examples/demo/secrets/unsubscribe.key"},
            "letter": {"mode": "spool", "spool_directory": f"{work}/spool/letter"},
        },
    }
    base["channels"]["email"].update(email)
    write(name, json.dumps(base, ensure_ascii=False))
    return name

def store_digest(path="store.sqlite"):
    if not os.path.exists(path):
        return "absent"
    db = sqlite3.connect(path)
    digest = hashlib.sha256("\n".join(db.iterdump()).encode()).hexdigest()
    db.close()
    return digest

CRASH = re.compile(r"Fatal error|Stack dump|Current stack trace|Backtrace|AddressSanitizer|Segmentation fault|Illegal instruction")

def case(name, args, expect, cfg="config.json", unchanged=True, check=None):
    """Runs campaignd with args; checks the exit status, stderr and (optionally) the store."""
    global passed
    before = store_digest()
    t0 = time.time()
    try:
        proc = subprocess.run([campaignd, "--config", cfg, "--log-level", "warning"] + args,
                              capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        failures.append(f"{name}: timed out")
        print(f"  FAIL {name}: timed out")
        return None
    err = proc.stderr.decode("utf-8", "replace")
    lines = err.splitlines()
    problems = []
    if proc.returncode < 0 or proc.returncode >= 128:
        problems.append(f"exit {proc.returncode} (signal)")
    elif proc.returncode not in expect:
        problems.append(f"exit {proc.returncode}, expected {sorted(expect)}")
    if CRASH.search(err):
        problems.append("crash text on stderr")
    if proc.returncode != 0 and not err.strip():
        problems.append("failed without a message")
    if len(lines) > 40 or any(len(l) > 2000 for l in lines):
        problems.append(f"stderr too long ({len(lines)} lines, longest {max(map(len, lines), default=0)} chars)")
    if unchanged and store_digest() != before:
        problems.append("store changed")
    if check and not problems:
        message = check(proc)
        if message:
            problems.append(message)
    first = lines[0][:150] if lines else proc.stdout.decode("utf-8", "replace").strip().split("\n")[0][:150]
    status = "ok  " if not problems else "FAIL"
    print(f"  {status} {name}: exit {proc.returncode} in {time.time() - t0:.2f}s: {first}")
    for p in problems:
        failures.append(f"{name}: {p}")
        print(f"       {p}; stderr: {err[:300]!r}")
    if not problems:
        passed += 1
    return proc

# ---------------------------------------------------------------- the baseline store
shutil.copytree(f"{repo}/templates", "templates")
write("rules/ok.rules", 'rule "hello" {\n  when tagged "hostile" and consent email\n  send email "winback-coupon"\n  limit once\n}\n')
config("config.json")
write("customers.csv", "id,email,name,tags\nH1,h1@example.com,Plain Name,hostile\n")
write("consents.csv", "customer,channel,status,at\nH1,email,granted,2025-01-01T00:00:00Z\n")
for kind in ["customers", "consents"]:
    r = subprocess.run([campaignd, "--config", "config.json", "import", kind, f"{kind}.csv"], capture_output=True)
    if r.returncode != 0:
        print(f"FAIL: baseline import {kind}: {r.stderr.decode()[:300]}")
        sys.exit(1)

def table(sql):
    db = sqlite3.connect("store.sqlite")
    rows = db.execute(sql).fetchall()
    db.close()
    return rows

# ---------------------------------------------------------------- rule files
print("rule files (campaignd check --rules DIR)")
rule = lambda body: f'rule "r" {{\n  when {body}\n  send email "winback-coupon"\n  limit once\n}}\n'.encode()
rule_cases = [
    ("invalid UTF-8 in a string", rule('tagged "vipXX"').replace(b"XX", b"\xff\xfe"), {1}),
    ("invalid UTF-8 in a comment", b"# caf\xe9\n" + rule('orders >= 1'), {0, 1}),
    ("CRLF line ends", rule("orders >= 1").replace(b"\n", b"\r\n"), {0}),
    ("bare CR line ends", rule("orders >= 1").replace(b"\n", b"\r"), {0, 1}),
    ("LF inside a string", rule('tagged "a\nb"'), {1}),
    ("NUL bytes", rule("orders >= 1").replace(b"orders", b"or\x00ders"), {1}),
    ("10 MB comment line", b"#" + b"x" * BIG + b"\n" + rule("orders >= 1"), {0}),
    ("10 MB identifier", rule("o" * BIG + " >= 1"), {1}),
    ("10 MB string", rule('tagged "' + "v" * BIG + '"'), {0, 1}),
    ("10 MB of open parentheses", rule("(" * BIG + "orders >= 1"), {1}),
    ("SQL metacharacters in a string", rule("tagged \"x'); DROP TABLE customer; --\" and attribute \"a'--\" = \"1' OR '1'='1\""), {0}),
    ("Mustache metacharacters in names", b'rule "{{#each}}{{/x}}" {\n  when tagged "{{customer.email}}"\n  send email "winback-coupon"\n  limit once\n}\n', {0, 1}),
    ("template name with a path", rule("orders >= 1").replace(b'"winback-coupon"', b'"../../etc/passwd"'), {1}),
]
for i, (name, data, expect) in enumerate(rule_cases):
    if quick and name == "10 MB of open parentheses":  # the slowest case (about 5 s); full mode only
        continue
    write(f"rules-{i}/case.rules", data)
    case(f"rules: {name}", ["check", "--rules", f"rules-{i}"], expect)
# The legitimate SQL-metacharacter rule also plans without harm.
case("plan with SQL metacharacters in a rule", ["plan", "--at", "2026-11-20T10:00:00Z"],
     {0}, cfg=config("config-sqlrule.json", rules="rules-10"))
if not table("SELECT count(*) FROM customer")[0][0] == 1:
    failures.append("customer table damaged by a rule"); print("  FAIL customer table damaged")

# ---------------------------------------------------------------- imports
print("imports (rejected files leave the store unchanged)")
good = "H2,h2@example.com,Good Row,\n"
import_cases = [
    ("invalid UTF-8 in a name", b"id,email,name,tags\n" + good.encode() + b"H3,h3@example.com,Bad \xff\xfe Name,\n", {1}),
    ("overlong UTF-8 encoding", b"id,email,name,tags\nH3,h3@example.com,\xc0\xbc script,\n", {1}),
    ("CR/LF inside a quoted name", ("id,email,name,tags\n" + good + 'H3,h3@example.com,"Line1\r\nBcc: x@evil.example",\n').encode(), {1}),
    ("CR inside an email", ("id,email,name,tags\n" + good + '"H3","h3@example.com\rBcc: x@evil.example","N",\n').encode(), {1}),
    ("NUL in an id", b"id,email,name,tags\n" + good.encode() + b"H\x003,h3@example.com,N,\n", {1}),
    ("unterminated quote", ("id,email,name,tags\n" + good + 'H3,h3@example.com,"never closed,\n').encode(), {1}),
    ("10 MB line (name)", ("id,email,name,tags\n" + good + "H3,h3@example.com," + "n" * BIG + ",\n").encode(), {1}),
    ("10 MB line without a newline", ("id,email,name,tags\n" + good + "H3," + "e" * BIG).encode(), {1}),
    ("10 MB header line", ("id," + "c" * BIG + "\nH3,x\n").encode(), {0, 1}),
    ("bad row among good rows", ("id,email,name,birthday,tags\n" + "".join(f"G{i},g{i}@example.com,G,1990-01-01,\n" for i in range(500)) + "G500,g500@example.com,G,1990-02-30,\n").encode(), {1}),
]
for name, data, expect in import_cases:
    write("import.csv", data)
    case(f"import customers: {name}", ["import", "customers", "import.csv"], expect)
write("import.jsonl", b'{"id": "J1", "name": "ok"}\n{"id": "J2", "name": "bad \xff"}\n')
case("import customers: invalid UTF-8 in JSON Lines", ["import", "customers", "import.jsonl"], {1})
write("import.jsonl", b'{"id": "J1", "name": "' + b"j" * BIG + b'"}\n')
case("import customers: 10 MB JSON line", ["import", "customers", "import.jsonl"], {1})
write("events.csv", "customer,name,at,properties\nH1,viewed,2026-01-01T00:00:00Z,\"{\"\"a\"\": " + "[" * 100000 + "\"\"\"}\"\n")
case("import events: 100,000 nested brackets in properties", ["import", "events", "events.csv"], {1})
write("purchases.csv", "customer,order,at,amount\nH1,O1,2026-01-01T00:00:00Z,1" + "0" * 400 + "\n")
case("import purchases: 400-digit amount", ["import", "purchases", "purchases.csv"], {1})

print("imports that are legitimate data (stored verbatim)")
sql_name = "Robert'); DROP TABLE customer; --"
mustache_name = "{{send.unsubscribe_url}}{{#customer}}{{{customer.email}}}{{/customer}}"
write("import.csv", "id,email,name,tags\nH4,h4@example.com,\"" + sql_name + "\",hostile\nH5,h5@example.com," + mustache_name + ",hostile\n")
case("import customers: SQL and Mustache metacharacters in names", ["import", "customers", "import.csv"], {0},
     unchanged=False,
     check=lambda p: None if table("SELECT name FROM customer WHERE external_id IN ('H4', 'H5') ORDER BY external_id")
           == [(sql_name,), (mustache_name,)] else "names not stored verbatim")
write("consents.csv", "customer,channel,status,at\nH4,email,granted,2025-01-01T00:00:00Z\nH5,email,granted,2025-01-01T00:00:00Z\n")
subprocess.run([campaignd, "--config", "config.json", "import", "consents", "consents.csv"], capture_output=True)

def spooled_verbatim(proc):
    texts = []
    for root, _, files in os.walk("spool/email"):
        for f in files:
            texts.append(open(os.path.join(root, f), "rb").read().decode("utf-8", "replace"))
    if len(texts) != 3:
        return f"expected 3 spooled emails, found {len(texts)}"
    body = "\n".join(texts)
    if mustache_name not in body or sql_name not in body:
        return "a hostile name was not rendered verbatim (Mustache in data must not be expanded)"
    return None
case("tick and send to customers with hostile names", ["run", "--once", "--at", "2026-11-20T10:00:00Z"], {0},
     unchanged=False, check=spooled_verbatim)

# ---------------------------------------------------------------- templates
print("templates (campaignd check)")
template_cases = [
    ("invalid UTF-8 in a body", "winback-coupon.text.mustache", b"Hei {{customer.name}} \xff\xfe\n", {1}),
    ("CR/LF in a subject", "winback-coupon.subject.mustache", b"Hello\r\nBcc: x@evil.example", {1}),
    ("unclosed section", "winback-coupon.text.mustache", b"{{#customer}}{{customer.name}}\n", {1}),
    ("unknown variable", "winback-coupon.text.mustache", b"{{customer.password}}\n", {1}),
    ("10 MB line", "winback-coupon.text.mustache", b"x" * BIG + b"{{customer.name}}\n", {0, 1}),
    ("10 MB of nested sections", "winback-coupon.text.mustache", b"{{#customer}}" * (BIG // 13), {1}),
    ("1 MB of nested sections", "winback-coupon.text.mustache", b"{{#customer}}" * (1000000 // 13), {1}),
    ("NUL in a body", "winback-coupon.text.mustache", b"Hei\x00{{customer.name}}\n", {0, 1}),
]
for i, (name, file, data, expect) in enumerate(template_cases):
    shutil.copytree(f"{repo}/templates", f"templates-{i}")
    write(f"templates-{i}/email/{file}", data)
    case(f"template: {name}", ["check"], expect, cfg=config(f"config-t{i}.json", templates=f"{work}/templates-{i}"))

# ---------------------------------------------------------------- config values
print("config values (campaignd check)")
config_cases = [
    ("CR/LF in from", {"from": "Shop <shop@example.com>\r\nBcc: x@evil.example"}, {1}),
    ("LF in unsubscribe_url", {"unsubscribe_url": "https://shop.example/u\nX-Evil: 1"}, {1}),
    ("NUL in from", {"from": "Shop\u0000 <shop@example.com>"}, {1}),
    ("10 MB from", {"from": "S" * BIG + " <shop@example.com>"}, {1}),
    ("Mustache in unsubscribe_url", {"unsubscribe_url": "https://shop.example/{{customer.email}}"}, {0, 1}),
]
for i, (name, values, expect) in enumerate(config_cases):
    case(f"config: {name}", ["check"], expect, cfg=config(f"config-c{i}.json", **values))
write("config-bad-utf8.json", open("config.json", "rb").read().replace(b"Europe/Helsinki", b"Europe/Hel\xffsinki"))
case("config: invalid UTF-8", ["check"], {1}, cfg="config-bad-utf8.json")
write("config-big.json", b'{"time_zone": "' + b"Z" * BIG + b'"}')
case("config: 10 MB time zone", ["check"], {1}, cfg="config-big.json")
write("config-deep.json", b"[" * 200000 + b"]" * 200000)
case("config: 200,000 nested arrays", ["check"], {1}, cfg="config-deep.json")
config("config-sqlpath.json", store="it's; DROP TABLE x.sqlite")
case("config: SQL metacharacters in the store path", ["status"], {0}, cfg="config-sqlpath.json", unchanged=False)

elapsed = time.time() - started
print(f"{passed} cases passed, {len(failures)} failed, {elapsed:.1f} s")
if failures:
    print("FAIL: " + "; ".join(failures[:5]) + (f" (and {len(failures) - 5} more)" if len(failures) > 5 else ""))
    sys.exit(1)
print(f"PASS: {passed} hostile inputs (rules, imports, templates, config): expected exit status, no crash, short stderr, rejected imports left the store unchanged ({elapsed:.0f} s)")
PYTHON
