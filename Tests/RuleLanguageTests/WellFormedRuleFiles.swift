/// Random rule files that parse, with comments, blank lines, tabs and parentheses anywhere a
/// line break may go: a corpus for the formatter, which only formats files that parse.
struct WellFormedRuleFiles {
    private var random: SplitMix64

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    private mutating func pick<T>(_ choices: [T]) -> T { choices[random.next(below: choices.count)] }

    private mutating func space() -> String { pick([" ", " ", "  ", "\n", "\n\n\n", " # trailing\n", "\n  # own line\n", "\t"]) }

    private mutating func condition(depth: Int) -> String {
        let atoms = [
            "orders >= 1", "consent email", "no purchase in last 30 days", "tagged \"x\"", "country in (\"FI\" ,\"SE\")",
            "spent>100", "nps == 5", "regular", "entered regular in last 3 days", "birthday in 0 days",
        ]
        if depth > 3 { return pick(atoms) }
        switch random.next(below: 5) {
        case 0: return "(" + space() + condition(depth: depth + 1) + space() + ")"
        case 1: return "not" + space() + condition(depth: depth + 1)
        case 2: return condition(depth: depth + 1) + space() + "and" + space() + condition(depth: depth + 1)
        case 3: return condition(depth: depth + 1) + space() + "or" + space() + condition(depth: depth + 1)
        default: return pick(atoms)
        }
    }

    private mutating func step() -> String {
        var text = "step \"s\(random.next(below: 100))\"" + pick([" ", "\n"]) + "{"
        for _ in 0..<random.next(below: 3) {
            let clause = pick(["when " + condition(depth: 1), "send email \"welcome\"", "quiet hours 21:00-08:00"])
            text += space() + clause
        }
        return text + space() + "}"
    }

    mutating func next() -> String {
        var text = pick(["", "# header\n", "\n\n"])
        for _ in 0..<(1 + random.next(below: 5)) {
            switch random.next(below: 3) {
            case 0:
                text += "segment s\(random.next(below: 50))" + pick([" ", ""]) + "=" + space() + condition(depth: 0)
            case 1:
                text += "rule \"r\(random.next(below: 50))\" {"
                for _ in 0..<random.next(below: 6) {
                    let clause = pick([
                        "description \"d\"", "when" + space() + condition(depth: 0), "send email \"welcome\"",
                        "limit once per 3 days", "holdout 5 %", "quiet hours 21:00 - 08:00", "priority 3",
                        "active from 2025-01-01",
                    ])
                    text += space() + clause
                }
                text += space() + "}"
            default:
                text += "journey \"j\(random.next(below: 50))\" {"
                for _ in 0..<random.next(below: 7) {
                    let clause = pick([
                        "enter when " + condition(depth: 1), "exit when orders >= 2", "reenter after 3 days", "holdout 1%",
                        step(), "wait 2 days", "description \"x\"",
                    ])
                    text += space() + clause
                }
                text += space() + "}"
            }
            text += space()
        }
        return text
    }
}
