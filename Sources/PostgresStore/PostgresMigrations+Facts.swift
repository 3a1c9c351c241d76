extension PostgresMigrations {
    /// `v1-facts-triggers`: plpgsql triggers that keep `customer_facts` and
    /// `customer_event_facts` right for every writer, doing what SQLite's `factsTriggersV1` does:
    /// inserts update facts by increment; updates and deletes recompute only the affected
    /// customer's values through an index.
    static var factsTriggersV1: [String] {
        var statements = trigger(
            "customer_facts_row", "AFTER INSERT ON customer", "INSERT INTO customer_facts(customer_id) VALUES (NEW.id);")
        statements += trigger(
            "purchase_facts_insert", "AFTER INSERT ON purchase",
            """
            UPDATE customer_facts SET
                orders = orders + 1,
                spent_minor = spent_minor + NEW.amount_minor,
                first_purchase_at = least(coalesce(first_purchase_at, NEW.at), NEW.at),
                last_purchase_at = greatest(coalesce(last_purchase_at, NEW.at), NEW.at)
            WHERE customer_id = NEW.customer_id;
            """)
        statements += trigger("purchase_facts_delete", "AFTER DELETE ON purchase", adjustPurchase("OLD", "-"))
        statements += trigger(
            "purchase_facts_update", "AFTER UPDATE OF customer_id, at, amount_minor ON purchase",
            adjustPurchase("OLD", "-") + "\n" + adjustPurchase("NEW", "+"))
        statements.append("CREATE INDEX feedback_by_customer ON feedback(customer_id, kind, at)")
        statements += trigger("feedback_facts_insert", "AFTER INSERT ON feedback", recomputeFeedback("NEW.customer_id"))
        statements += trigger("feedback_facts_delete", "AFTER DELETE ON feedback", recomputeFeedback("OLD.customer_id"))
        statements += trigger(
            "feedback_facts_update", "AFTER UPDATE ON feedback",
            recomputeFeedback("OLD.customer_id") + "\n" + recomputeFeedback("NEW.customer_id"))
        statements.append("CREATE INDEX consent_by_customer ON consent(customer_id, channel, at)")
        statements += trigger("consent_facts_insert", "AFTER INSERT ON consent", recomputeConsent("NEW"))
        statements += trigger("consent_facts_delete", "AFTER DELETE ON consent", recomputeConsent("OLD"))
        statements += trigger(
            "consent_facts_update", "AFTER UPDATE ON consent", recomputeConsent("OLD") + "\n" + recomputeConsent("NEW"))
        statements += trigger(
            "event_facts_insert", "AFTER INSERT ON event",
            """
            INSERT INTO customer_event_facts(customer_id, name, count, first_at, last_at)
                VALUES (NEW.customer_id, NEW.name, 1, NEW.at, NEW.at)
                ON CONFLICT (customer_id, name) DO UPDATE SET
                    count = customer_event_facts.count + 1,
                    first_at = least(customer_event_facts.first_at, excluded.first_at),
                    last_at = greatest(customer_event_facts.last_at, excluded.last_at);
            UPDATE customer_facts SET last_event_at = greatest(coalesce(last_event_at, NEW.at), NEW.at)
                WHERE customer_id = NEW.customer_id;
            """)
        statements += trigger("event_facts_delete", "AFTER DELETE ON event", recomputeEvents("OLD"))
        statements += trigger("event_facts_update", "AFTER UPDATE ON event", recomputeEvents("OLD") + "\n" + recomputeEvents("NEW"))
        return statements
    }

    /// Takes a purchase off (`-`) or adds it to (`+`) its customer's count and total; first and
    /// last purchase are read back through `purchase_by_customer`.
    private static func adjustPurchase(_ row: String, _ sign: String) -> String {
        """
        UPDATE customer_facts SET
            orders = orders \(sign) 1,
            spent_minor = spent_minor \(sign) \(row).amount_minor,
            first_purchase_at = (SELECT min(at) FROM purchase WHERE customer_id = \(row).customer_id),
            last_purchase_at = (SELECT max(at) FROM purchase WHERE customer_id = \(row).customer_id)
        WHERE customer_id = \(row).customer_id;
        """
    }

    /// Latest score per kind (ties: the later row wins), and the latest feedback of any kind.
    private static func recomputeFeedback(_ who: String) -> String {
        let kinds = ["nps", "csat", "ces"].map { kind in
            """
            \(kind)_score = (SELECT score FROM feedback WHERE customer_id = \(who) AND kind = '\(kind)' ORDER BY at DESC, id DESC LIMIT 1),
                \(kind)_at = (SELECT max(at) FROM feedback WHERE customer_id = \(who) AND kind = '\(kind)')
            """
        }
        return """
            UPDATE customer_facts SET
                last_feedback_at = (SELECT max(at) FROM feedback WHERE customer_id = \(who)),
                \(kinds.joined(separator: ",\n    "))
            WHERE customer_id = \(who);
            """
    }

    /// Current consent on the row's channel: the latest record wins; at the same instant,
    /// withdrawal wins.
    private static func recomputeConsent(_ row: String) -> String {
        ["email", "letter", "webhook"].map { name in
            """
            IF \(row).channel = '\(name)' THEN
                UPDATE customer_facts SET
                    \(name)_consent = (SELECT status FROM consent WHERE customer_id = \(row).customer_id AND channel = '\(name)'
                                       ORDER BY at DESC, status = 'withdrawn' DESC LIMIT 1),
                    \(name)_consent_at = (SELECT max(at) FROM consent WHERE customer_id = \(row).customer_id AND channel = '\(name)')
                WHERE customer_id = \(row).customer_id;
            END IF;
            """
        }.joined(separator: "\n")
    }

    /// Count, first and last time of the row's (customer, event name), and the latest event of any name.
    private static func recomputeEvents(_ row: String) -> String {
        """
        DELETE FROM customer_event_facts WHERE customer_id = \(row).customer_id AND name = \(row).name;
        INSERT INTO customer_event_facts(customer_id, name, count, first_at, last_at)
            SELECT customer_id, name, count(*), min(at), max(at) FROM event
            WHERE customer_id = \(row).customer_id AND name = \(row).name GROUP BY customer_id, name;
        UPDATE customer_facts SET last_event_at = (SELECT max(last_at) FROM customer_event_facts WHERE customer_id = \(row).customer_id)
            WHERE customer_id = \(row).customer_id;
        """
    }
}
