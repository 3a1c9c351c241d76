extension SQLDialect {
    /// PostgreSQL's spellings. The `campaignd_` functions are plpgsql functions the PostgreSQL
    /// store's migrations create (`PostgresStore`), computing what the SQLite store's registered
    /// functions compute; custom attributes are a `json` column read with `->>`, which takes any
    /// key as a bound text, so no path is built.
    ///
    /// Bound arguments keep SQLite's `?`: the PostgreSQL store numbers them (`$1`, `$2`, …) and
    /// binds them with their types (`bigint`, `double precision`, `text`), so no operand needs
    /// a cast for the planner to know its type.
    public static let postgres = SQLDialect(
        name: "postgres",
        trueLiteral: "true",
        falseLiteral: "false",
        ifNull: { value, fallback in "coalesce(\(value), \(fallback))" },
        nullSafeEquals: { left, right in "\(left) IS NOT DISTINCT FROM \(right)" },
        // Unlike SQLite's scalar max, greatest ignores NULLs: the compiler passes no NULL (its
        // operands are coalesced), so both give the same.
        greatest: { values in "greatest(\(values.joined(separator: ", ")))" },
        // Integer division truncates toward zero in both.
        integerQuotient: { dividend, divisor in "(\(dividend) / \(divisor))" },
        // A lateral subquery that cannot be flattened (`OFFSET 0`) is read once per row to its
        // left, as SQLite's `CROSS JOIN`: with a plain `JOIN` the planner misjudged how many
        // rows the facts' conditions keep and looked up the facts of every customer instead
        // (docs/performance.md, "PostgreSQL: `plan`").
        orderedJoin: { table, alias, condition in
            "JOIN LATERAL (SELECT * FROM \(table) \(alias) WHERE \(condition) OFFSET 0) \(alias) ON true"
        },
        testsRunInWrittenOrder: false,
        localDay: { seconds, zone in "campaignd_day(\(seconds), \(zone))" },
        birthdayIn: { birthday, customerZone, businessZone, now, days in
            "campaignd_birthday_in(\(birthday), \(customerZone), \(businessZone), \(now), \(days))"
        },
        // The expression of the `customer_birthday_month_day` index, as in SQLite.
        monthDay: { date in "substr(\(date), 6)" },
        number: { text in "campaignd_number(\(text))" },
        addressHash: { address in "campaignd_address_hash(\(address))" },
        attributePath: { name in name },
        attributeAtPath: { document, path in "(\(document) ->> \(path))" },
        attributeWithKey: { document, key in "(\(document) ->> \(key))" },
        jsonObject: { members in "json_build_object(\(members.map { "\($0.key), \($0.value)" }.joined(separator: ", ")))" },
        jsonBoolean: { value in "(\(value))::integer" },
        majorUnitsText: { minorUnits, exponent in
            var scale = 1
            for _ in 0..<exponent { scale *= 10 }
            return "round((\(minorUnits))::numeric / \(scale), \(exponent))::text"
        },
        dateText: { dayNumber in "to_char(date '1970-01-01' + (\(dayNumber))::integer, 'YYYY-MM-DD')" },
        // The "C" collation always exists and compares code points, as SQLite's BINARY does on UTF-8.
        byteOrder: " COLLATE \"C\"",
        firstRowPerGroup: { group, key, columns, from in
            let grouped = group.joined(separator: ", ")
            return "SELECT DISTINCT ON (\(grouped)) \((group + columns + [key]).joined(separator: ", ")) \(from) ORDER BY \(grouped), \(key)"
        },
        idIn: { column, ids in
            ("\(column) = ANY(?::bigint[])", ["{\(ids.map(String.init).joined(separator: ","))}".sqlValue])
        })
}
