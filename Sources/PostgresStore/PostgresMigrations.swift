/// The PostgreSQL store's named migrations: one twin per SQLite migration (`StoreMigrations`),
/// with the same name, creating the same tables, columns and indexes (a test compares both
/// catalogs). A shipped migration is never edited; changes come as new ones, in both stores.
///
/// Each is a list of statements (the extended protocol runs one statement at a time), applied in
/// one transaction. Times are `bigint` Unix seconds; money is `bigint` minor units, never a float;
/// JSON documents are `json` (the text as written, like SQLite's checked text). SQLite's
/// `INTEGER PRIMARY KEY` is an identity column; its triggers are plpgsql trigger functions.
enum PostgresMigrations {
    struct Migration: Sendable {
        let name: String
        let statements: [String]
    }

    static let all: [Migration] = [
        Migration(name: "v1-customers-and-history", statements: schemaV1 + functionsV1),
        Migration(name: "v1-facts-triggers", statements: factsTriggersV1),
        Migration(name: "v2-send-log", statements: sendLogV2),
        Migration(name: "v3-segment-membership", statements: segmentMembershipV3),
        Migration(name: "v3-journey-enrolments", statements: enrolmentsV3),
        Migration(name: "v4-send-purpose", statements: sendPurposeV4),
        Migration(name: "v4-coupon-pools", statements: couponPoolsV4),
        Migration(name: "v4-send-variant", statements: ["ALTER TABLE send ADD COLUMN variant text"]),
        Migration(name: "v4-variant-winners", statements: variantWinnersV4),
        Migration(
            name: "v5-send-variant-by-rule",
            statements: ["CREATE INDEX send_variant_by_rule ON send(rule, decided_at) WHERE variant IS NOT NULL AND journey IS NULL"]),
        Migration(name: "v5-journey-entry-scans", statements: entryScansV5),
        Migration(name: "v5-send-one-rule-index", statements: ["DROP INDEX IF EXISTS send_by_rule_customer"]),
        Migration(name: "v6-coupon-no-send-index", statements: ["DROP INDEX IF EXISTS coupon_by_send"]),
        // campaignd_day catches a bad zone in an EXCEPTION block, a subtransaction, which
        // PostgreSQL 15 cannot start while a query runs in parallel (in a worker or in the leader,
        // so PARALLEL RESTRICTED is not enough): a rule on `birthday` failed ("cannot start
        // subtransactions during a parallel operation") as soon as its query was planned in
        // parallel (a 1M store). A query calling them is now planned without parallel workers.
        Migration(
            name: "v7-functions-parallel-unsafe",
            statements: [
                "ALTER FUNCTION campaignd_day(bigint, text) PARALLEL UNSAFE",
                "ALTER FUNCTION campaignd_birthday_in(text, text, text, bigint, bigint) PARALLEL UNSAFE",
            ]),
        Migration(
            name: "v8-send-leases",
            statements: [
                "ALTER TABLE send ADD COLUMN owner text", "ALTER TABLE send ADD COLUMN lease_until bigint",
                "CREATE INDEX send_claims ON send(lease_until) WHERE status = 'in_flight'",
            ]),
        // SQLite's `instr(haystack, needle)`: the erasure's scrub of the send log uses it.
        Migration(
            name: "v8-instr-function",
            statements: [
                """
                CREATE FUNCTION instr(haystack text, needle text) RETURNS integer
                LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS 'SELECT strpos(haystack, needle)'
                """
            ]),
        Migration(
            name: "v8-daemons",
            statements: [
                """
                CREATE TABLE daemon (
                    owner text PRIMARY KEY, host text NOT NULL, pid bigint NOT NULL, version text NOT NULL, http text,
                    started_at bigint NOT NULL, seen_at bigint NOT NULL, stopped_at bigint
                )
                """
            ]),
        // A claim takes rows `ORDER BY due_at, id`; with `send_due` on `due_at` alone PostgreSQL
        // read and sorted every queued row for each claim of a few (2 ms a claim for a queue of
        // 5,000, growing with the queue), where SQLite's index, ending with the rowid, stopped
        // after the first rows. Now both stop there.
        Migration(
            name: "v9-send-due-by-id",
            statements: [
                "DROP INDEX send_due",
                "CREATE INDEX send_due ON send(due_at, id) WHERE status IN ('queued', 'in_flight')",
            ]),
        // SQLite's twin spells `send`'s `channel` and `status` checks as `=` comparisons instead
        // of `IN` lists, which SQLite evaluated through a temporary b-tree per written row.
        // PostgreSQL evaluates an `IN` list of constants as it is: nothing to change.
        Migration(name: "v10-send-checks-without-lists", statements: []),
        // `coupon` keyed by an integer, the code unique, `coupon_free` ending with the code: the
        // same catalog as SQLite's twin, where a tick marks the codes it hands out by that key.
        // Here the tick marks them by code as before (through the unique index).
        Migration(name: "v11-coupon-integer-key", statements: PostgresMigrations.couponIntegerKeyV11),
        // A pool is a queue, moved on once per tick; no mark per code (SQLite's twin).
        Migration(name: "v12-coupon-queue", statements: PostgresMigrations.couponQueueV12),
    ]

    /// A plpgsql trigger function `name` running `body`, and the trigger of the same name on
    /// `event` (`AFTER INSERT ON purchase`), for each row, when `condition` holds.
    static func trigger(_ name: String, _ event: String, when condition: String? = nil, _ body: String) -> [String] {
        [
            """
            CREATE FUNCTION \(name)() RETURNS trigger LANGUAGE plpgsql AS $body$
            BEGIN
            \(body)
            RETURN NULL;
            END
            $body$
            """,
            "CREATE TRIGGER \(name) \(event) FOR EACH ROW \(condition.map { "WHEN (\($0)) " } ?? "")EXECUTE FUNCTION \(name)()",
        ]
    }
}
