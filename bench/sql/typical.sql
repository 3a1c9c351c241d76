-- The audiences of the 20 rules in bench/rules/typical.rules, written by hand as fast as we know
-- how, for bench/run: `plan` on the rule file is timed against this file in the sqlite3 shell.
--
-- Instant: 2026-11-21T00:00:00Z = 1795219200, after all generated data, so the per-customer facts
-- are exact and no history fallback is needed. Each query prints `rule|customers`: the customers
-- whose condition holds, with consent on the rule's channel (marketing email and letters: granted;
-- service webhooks: not withdrawn), an address the channel can use and no suppression — that is
-- `plan`'s matched minus no_consent, consent_withdrawn, suppressed and missing_address (bench/run
-- checks the two agree, rule by rule). Limits, the contact-pressure cap, holdouts and
-- quiet hours are what `plan` adds on top; this file does not compute them.
--
-- "in last N days" is `now - N*86400 <= t <= now`; "days since" is whole 24-hour periods; the
-- calendar conditions use the customer's zone, else the business zone (Europe/Helsinki). The
-- generated data uses three zones, whose UTC offsets at the instant are listed in `zone`.

CREATE TEMP TABLE zone (name TEXT PRIMARY KEY, offset_seconds INTEGER) WITHOUT ROWID;
INSERT INTO zone VALUES ('', 7200), ('Europe/Helsinki', 7200), ('Europe/Tallinn', 7200), ('Europe/Stockholm', 3600);

-- Customers reachable by email / letter: consent granted, address present, not suppressed.
CREATE TEMP VIEW email_ok AS
  SELECT f.*, c.* FROM customer_facts f JOIN customer c ON c.id = f.customer_id
  WHERE f.email_consent = 'granted' AND coalesce(trim(c.email), '') <> ''
    AND lower(trim(c.email)) NOT IN (SELECT address FROM suppression WHERE channel = 'email');
CREATE TEMP VIEW letter_ok AS
  SELECT f.*, c.* FROM customer_facts f JOIN customer c ON c.id = f.customer_id
  WHERE f.letter_consent = 'granted'
    AND coalesce(trim(c.name), '') <> '' AND coalesce(trim(c.street), '') <> ''
    AND coalesce(trim(c.postal_code), '') <> '' AND coalesce(trim(c.city), '') <> ''
    AND coalesce(trim(c.country), '') <> ''
    AND lower(trim(c.street) || '|' || trim(c.postal_code) || '|' || trim(c.country))
        NOT IN (SELECT address FROM suppression WHERE channel = 'letter');
-- Customers reachable by webhook: a webhook is a service message by default (`purpose`,
-- docs/rules.md), which needs no consent record, only no withdrawal on the channel.
CREATE TEMP VIEW webhook_ok AS
  SELECT f.*, c.* FROM customer_facts f JOIN customer c ON c.id = f.customer_id
  WHERE coalesce(f.webhook_consent, '') <> 'withdrawn'
    AND lower(c.external_id) NOT IN (SELECT address FROM suppression WHERE channel = 'webhook');

SELECT 'winback-coupon', count(*) FROM email_ok
WHERE orders >= 2 AND last_purchase_at < 1795219200 - 90 * 86400;

-- Birthday today in the customer's zone (29 February falls on 28 February in other years).
SELECT 'birthday', count(*) FROM email_ok e JOIN zone z ON z.name = coalesce(e.time_zone, '')
WHERE e.orders >= 1 AND e.birthday IS NOT NULL
  AND (substr(e.birthday, 6) = strftime('%m-%d', 1795219200 + z.offset_seconds, 'unixepoch')
       OR (substr(e.birthday, 6) = '02-29' AND strftime('%m-%d', 1795219200 + z.offset_seconds, 'unixepoch') = '02-28'
           AND strftime('%m-%d', 1795219200 + z.offset_seconds + 86400, 'unixepoch') = '03-01'));

SELECT 'key-thank-you-letter', count(*) FROM letter_ok l
WHERE l.spent_minor >= 200000 AND l.last_purchase_at >= 1795219200 - 365 * 86400
  AND (SELECT sum(amount_minor) FROM purchase p
       WHERE p.customer_id = l.customer_id AND p.at BETWEEN 1795219200 - 365 * 86400 AND 1795219200) >= 200000;

SELECT 'detractor-alert', count(*) FROM webhook_ok
WHERE nps_score <= 6 AND last_feedback_at BETWEEN 1795219200 - 2 * 86400 AND 1795219200;

SELECT 'abandoned-cart', count(*) FROM email_ok e
WHERE EXISTS (SELECT 1 FROM event v WHERE v.name = 'cart_abandoned' AND v.customer_id = e.customer_id
              AND v.at BETWEEN 1795219200 - 86400 AND 1795219200)
  AND NOT (e.last_purchase_at BETWEEN 1795219200 - 86400 AND 1795219200);

SELECT 'welcome', count(*) FROM email_ok
WHERE orders = 0 AND joined_at <= 1795219200 AND (1795219200 - joined_at) / 86400 <= 7;

SELECT 'second-purchase-nudge', count(*) FROM email_ok
WHERE orders = 1 AND (1795219200 - last_purchase_at) / 86400 >= 30 AND (1795219200 - last_purchase_at) / 86400 < 60;

SELECT 'vip-upgrade', count(*) FROM email_ok e
WHERE e.spent_minor >= 500000
  AND EXISTS (SELECT 1 FROM customer_tag t WHERE t.customer_id = e.customer_id AND t.tag = 'vip')
  AND (SELECT count(*) FROM purchase p
       WHERE p.customer_id = e.customer_id AND p.at BETWEEN 1795219200 - 365 * 86400 AND 1795219200) >= 3;

SELECT 'lapsed-letter', count(*) FROM letter_ok
WHERE orders >= 3 AND last_purchase_at < 1795219200 - 180 * 86400;

SELECT 'promoter-referral', count(*) FROM email_ok
WHERE nps_score >= 9 AND nps_at BETWEEN 1795219200 - 30 * 86400 AND 1795219200;

SELECT 'csat-followup', count(*) FROM webhook_ok
WHERE csat_score <= 2 AND csat_at BETWEEN 1795219200 - 7 * 86400 AND 1795219200;

SELECT 'first-purchase-anniversary', count(*) FROM email_ok
WHERE (1795219200 - first_purchase_at) / 86400 = 365;

-- occasional = orders >= 1 and orders in last 365 days < 3
SELECT 'occasional-boost', count(*) FROM email_ok e
WHERE e.orders >= 1 AND e.last_purchase_at < 1795219200 - 30 * 86400
  AND (e.last_purchase_at < 1795219200 - 365 * 86400
       OR (SELECT count(*) FROM purchase p
           WHERE p.customer_id = e.customer_id AND p.at BETWEEN 1795219200 - 365 * 86400 AND 1795219200) < 3);

SELECT 'cold-reactivation', count(*) FROM email_ok
WHERE (1795219200 - last_purchase_at) / 86400 >= 365 AND spent_minor >= 50000;

SELECT 'newsletter-readers', count(*) FROM email_ok e
WHERE e.last_purchase_at BETWEEN 1795219200 - 14 * 86400 AND 1795219200
  AND EXISTS (SELECT 1 FROM customer_tag t WHERE t.customer_id = e.customer_id AND t.tag = 'newsletter');

SELECT 'helsinki-store-opening', count(*) FROM email_ok
WHERE city = 'Helsinki' AND orders >= 3;

SELECT 'big-spender-thanks', count(*) FROM email_ok e
WHERE e.spent_minor >= 100000 AND e.last_purchase_at >= 1795219200 - 30 * 86400
  AND (SELECT sum(amount_minor) FROM purchase p
       WHERE p.customer_id = e.customer_id AND p.at BETWEEN 1795219200 - 30 * 86400 AND 1795219200) >= 100000;

-- Birthday in 7 days (customer's zone) and key (spent in last 365 days >= 2000).
SELECT 'birthday-week-letter', count(*) FROM letter_ok l JOIN zone z ON z.name = coalesce(l.time_zone, '')
WHERE l.birthday IS NOT NULL AND l.spent_minor >= 200000
  AND (substr(l.birthday, 6) = strftime('%m-%d', 1795219200 + z.offset_seconds + 7 * 86400, 'unixepoch')
       OR (substr(l.birthday, 6) = '02-29' AND strftime('%m-%d', 1795219200 + z.offset_seconds + 7 * 86400, 'unixepoch') = '02-28'
           AND strftime('%m-%d', 1795219200 + z.offset_seconds + 8 * 86400, 'unixepoch') = '03-01'))
  AND (SELECT sum(amount_minor) FROM purchase p
       WHERE p.customer_id = l.customer_id AND p.at BETWEEN 1795219200 - 365 * 86400 AND 1795219200) >= 200000;

SELECT 'frequent-buyers', count(*) FROM email_ok e
WHERE e.orders >= 4 AND e.last_purchase_at >= 1795219200 - 90 * 86400
  AND json_extract(e.attributes, '$.loyalty_tier') IN ('gold', 'silver')
  AND (SELECT count(*) FROM purchase p
       WHERE p.customer_id = e.customer_id AND p.at BETWEEN 1795219200 - 90 * 86400 AND 1795219200) >= 4;

SELECT 'swedish-speakers', count(*) FROM email_ok
WHERE locale = 'sv-FI' AND orders >= 1 AND last_purchase_at < 1795219200 - 60 * 86400;
