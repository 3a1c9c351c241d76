-- The "winback-coupon" audience written by hand, as fast as we know how, for scripts/bench-plan:
-- no purchase in the last 90 days, at least 2 orders, email consent granted and the address not
-- suppressed, at 2026-11-21T00:00:00Z (after all generated data, so the per-customer facts are
-- exact). Prints the customers' ids.
SELECT c.external_id
FROM customer_facts f JOIN customer c ON c.id = f.customer_id
WHERE f.orders >= 2
  AND f.last_purchase_at < 1795219200 - 90 * 86400
  AND f.email_consent = 'granted'
  AND lower(trim(c.email)) NOT IN (SELECT address FROM suppression WHERE channel = 'email');
