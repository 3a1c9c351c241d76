extension SQLDialect {
    /// SQLite's spellings, with campaignd's functions registered on each connection
    /// (`campaignd_day`, `campaignd_birthday_in`, `campaignd_number` by the evaluation,
    /// `campaignd_address_hash` by the store) and the JSON1 functions built into SQLite.
    public static let sqlite = SQLDialect(
        name: "sqlite",
        trueLiteral: "1",
        falseLiteral: "0",
        ifNull: { value, fallback in "ifnull(\(value), \(fallback))" },
        nullSafeEquals: { left, right in "\(left) IS \(right)" },
        greatest: { values in "max(\(values.joined(separator: ", ")))" },
        integerQuotient: { dividend, divisor in "\(dividend) / \(divisor)" },
        orderedJoin: { table, alias, condition in "CROSS JOIN \(table) \(alias) ON \(condition)" },
        testsRunInWrittenOrder: true,
        localDay: { seconds, zone in "campaignd_day(\(seconds), \(zone))" },
        birthdayIn: { birthday, customerZone, businessZone, now, days in
            "campaignd_birthday_in(\(birthday), \(customerZone), \(businessZone), \(now), \(days))"
        },
        monthDay: { date in "substr(\(date), 6)" },
        number: { text in "campaignd_number(\(text))" },
        addressHash: { address in "campaignd_address_hash(\(address))" },
        // A JSON path cannot quote every key: keys with quotes, backslashes or line breaks go
        // through json_each instead.
        attributePath: { name in
            name.contains(where: { $0 == "\"" || $0 == "\\" || $0.isNewline }) ? nil : "$.\"\(name)\""
        },
        attributeAtPath: { document, path in "json_extract(\(document), \(path))" },
        attributeWithKey: { document, key in "(SELECT j.value FROM json_each(\(document)) j WHERE j.key = \(key))" },
        jsonObject: { members in "json_object(\(members.map { "\($0.key), \($0.value)" }.joined(separator: ", ")))" },
        jsonBoolean: { value in value },
        majorUnitsText: { minorUnits, exponent in
            var scale = 1.0
            for _ in 0..<exponent { scale *= 10 }
            return "printf('%.\(exponent)f', \(minorUnits) / \(scale))"
        },
        dateText: { dayNumber in "date(\(dayNumber) * 86400, 'unixepoch')" },
        byteOrder: "",
        firstRowPerGroup: { group, key, columns, from in
            let grouped = group.joined(separator: ", ")
            return "SELECT \((group + columns).joined(separator: ", ")), min(\(key)) AS \(key) \(from) GROUP BY \(grouped)"
        },
        idIn: { column, ids in
            ("\(column) IN (\(Array(repeating: "?", count: ids.count).joined(separator: ",")))", ids.map(\.sqlValue))
        })
}
