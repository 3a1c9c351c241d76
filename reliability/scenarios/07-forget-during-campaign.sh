#!/usr/bin/env bash
# Reliability scenario 7: `forget CUSTOMER` during a campaign. Sends are queued for three
# customers (email and webhook, spool mode), one is forgotten before dispatch; nothing may be
# delivered to them, a hashed suppression stays, their address is nowhere in the store, and
# importing the same address again (same external id, and under a new one) sends nothing.
# Environment: CAMPAIGND (release binary), REPO (repo root), WORK (empty directory), QUICK (1/0).
set -uo pipefail
: "${CAMPAIGND:?}" "${REPO:?}" "${WORK:?}"
cd "$WORK"
fail() { echo "FAIL: $*"; exit 1; }
step() { echo "--- $*"; }
cd_() { "$CAMPAIGND" --config "$WORK/config.json" --log-level warning "$@"; }

mkdir -p rules spool/email spool/webhook
cat > config.json <<JSON
{ "store": "$WORK/store.sqlite", "rules": "$WORK/rules", "templates": "$REPO/templates",
  "time_zone": "Europe/Helsinki", "currency": "EUR",
  "channels": {
    "email": { "mode": "spool", "spool_directory": "$WORK/spool/email", "from": "Shop <shop@example.com>",
               "unsubscribe_url": "https://shop.example/unsubscribe",
               "unsubscribe_secret_file": "$REPO/examples/demo/secrets/unsubscribe.key" },
    "webhook": { "mode": "spool", "spool_directory": "$WORK/spool/webhook",
                 "endpoints": { "crm-escalation": { "url": "http://127.0.0.1:9/hook",
                                                    "secret_files": ["$REPO/examples/demo/secrets/crm-escalation.whsec"] } } } } }
JSON
cat > rules/campaign.rules <<'RULES'
rule "welcome-back" {
  when orders >= 1                # consent is checked for every send anyway
  send email "winback-coupon"
  limit once
}

rule "vip-to-crm" {
  when tagged "vip"
  send webhook "crm-escalation"
  limit once
}
RULES
cat > customers.csv <<'CSV'
id,email,name,street,postal_code,city,country,tags
CUST-ANNA,anna@example.com,Anna Aalto,Katu 1,00100,Helsinki,FI,vip
CUST-BOB,bob.forgotten@example.com,Bob Forgotten,Tie 2,00200,Espoo,FI,vip
CUST-CARL,carl@example.com,Carl Cederberg,Polku 3,00300,Vantaa,FI,vip
CSV
cat > purchases.csv <<'CSV'
customer,order,at,amount
CUST-ANNA,O-1,2026-01-10T10:00:00Z,20.00
CUST-BOB,O-2,2026-01-11T10:00:00Z,30.00
CUST-BOB,O-3,2026-02-11T10:00:00Z,31.00
CUST-CARL,O-4,2026-01-12T10:00:00Z,40.00
CSV
cat > consents.csv <<'CSV'
customer,channel,status,at
CUST-ANNA,email,granted,2025-01-01T00:00:00Z
CUST-BOB,email,granted,2025-01-01T00:00:00Z
CUST-CARL,email,granted,2025-01-01T00:00:00Z
CUST-ANNA,webhook,granted,2025-01-01T00:00:00Z
CUST-BOB,webhook,granted,2025-01-01T00:00:00Z
CUST-CARL,webhook,granted,2025-01-01T00:00:00Z
CSV
at=2026-11-20T10:00:00Z
bob_email=bob.forgotten@example.com

step "import three customers, queue the campaign without dispatching"
for kind in customers purchases consents; do cd_ import "$kind" "$kind.csv" || fail "import $kind"; done
cd_ check || fail "campaignd check"
cd_ run --once --no-dispatch --at "$at" || fail "run --once --no-dispatch"
queued=$(sqlite3 store.sqlite "SELECT count(*) FROM send WHERE status = 'queued'")
[ "$queued" = 6 ] || fail "expected 6 queued sends (3 customers x 2 rules), found $queued"

step "forget CUST-BOB while his sends are queued"
out=$(cd_ forget CUST-BOB) || fail "forget exited $?"
echo "$out"
case "$out" in "forgot customer CUST-BOB"*) ;; *) fail "forget printed: $out" ;; esac
cd_ forget CUST-BOB 2> forget-again.err && fail "forgetting an unknown customer succeeded"
grep -q 'no customer with id "CUST-BOB"' forget-again.err || fail "unclear error for an unknown customer: $(cat forget-again.err)"

step "dispatch"
cd_ run --once --at "$at" || fail "run --once"
delivered=$(grep -rl -i -e "$bob_email" -e "CUST-BOB" spool | wc -l)
[ "$delivered" = 0 ] || fail "$delivered spool files were written for the forgotten customer"
others=$(find spool -type f | wc -l)
[ "$others" = 4 ] || fail "expected 4 deliveries to the other two customers, found $others"
skipped=$(sqlite3 store.sqlite "SELECT count(*) FROM send WHERE customer_id IS NULL AND status = 'skipped' AND reason = 'erased'")
[ "$skipped" = 2 ] || fail "expected Bob's 2 queued sends skipped as erased, found $skipped"

step "the store keeps a hashed suppression and no trace of the address"
hash() { printf 'sha256:%s' "$(printf '%s' "$1" | sha256sum | cut -d' ' -f1)"; }
email_hash=$(hash "$bob_email")
webhook_hash=$(hash "cust-bob")
n=$(sqlite3 store.sqlite "SELECT count(*) FROM suppression WHERE reason = 'erased' AND
      ((channel = 'email' AND address = '$email_hash') OR (channel = 'webhook' AND address = '$webhook_hash'))")
[ "$n" = 2 ] || fail "expected hashed email and webhook suppressions, found $n"
sqlite3 store.sqlite "PRAGMA wal_checkpoint(TRUNCATE)" > /dev/null
traces=$(sqlite3 store.sqlite .dump | grep -c -i -e "$bob_email" -e "Forgotten" -e "Tie 2" -e "CUST-BOB")
[ "$traces" = 0 ] || fail "the store still holds Bob's data ($traces lines of .dump)"

step "re-import Bob (same address in other case, same external id), and under a new id"
printf 'id,email,name,tags\nCUST-BOB,  Bob.Forgotten@Example.COM ,Bob Again,vip\nCUST-BOB-2,%s,Bob Newid,\n' "$bob_email" > again.csv
printf 'customer,order,at,amount\nCUST-BOB,O-9,2026-03-01T10:00:00Z,10.00\nCUST-BOB-2,O-10,2026-03-01T10:00:00Z,10.00\n' > again-purchases.csv
printf 'customer,channel,status,at\nCUST-BOB,email,granted,2026-03-01T00:00:00Z\nCUST-BOB,webhook,granted,2026-03-01T00:00:00Z\nCUST-BOB-2,email,granted,2026-03-01T00:00:00Z\n' > again-consents.csv
cd_ import customers again.csv && cd_ import purchases again-purchases.csv && cd_ import consents again-consents.csv \
  || fail "re-import"
# Tick at the present: the suppression dates from the erasure, after the first tick's instant.
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
cd_ run --once --at "$now" || fail "run --once after re-import"
delivered=$(grep -rl -i -e "$bob_email" -e "CUST-BOB" spool | wc -l)
[ "$delivered" = 0 ] || fail "after re-import, $delivered spool files were written for Bob"
verdicts=$(sqlite3 store.sqlite "SELECT group_concat(s.rule || ':' || s.status || ':' || s.reason, ' ') FROM send s
      JOIN customer c ON c.id = s.customer_id WHERE c.external_id IN ('CUST-BOB', 'CUST-BOB-2') ORDER BY c.external_id, s.rule")
echo "send log for the re-imported Bob: $verdicts"
expected="welcome-back:skipped:suppressed vip-to-crm:skipped:suppressed welcome-back:skipped:suppressed"
[ "$verdicts" = "$expected" ] || fail "expected every decision for the re-imported Bob skipped as suppressed, got: $verdicts"
explain=$(cd_ explain CUST-BOB-2 --at "$now" 2>&1) || true
echo "$explain" | grep -q "suppressed" || fail "explain does not say suppressed: $explain"

echo "PASS: forgotten customer got 0 of 4 deliveries; 2 queued sends skipped as erased; hashed email+webhook suppressions kept; re-imported address (2 ids) skipped as suppressed on every rule"
