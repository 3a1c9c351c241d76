import RuleLanguage

/// How a condition's truth can change as `now` moves forward while the customer's data stays
/// the same and every time in it (purchases, feedback, events, consents) is at or before the
/// earlier instant.
///
/// A journey's entry scan uses it (`JourneyEntry`): a condition that cannot turn true by time
/// alone (`stable` or `falling`) needs, after one full scan, only the customers whose data
/// changed since. Anything not known for sure is `unknown`, which means a full scan.
public enum TimeTrend: Sendable, Equatable {
    /// Time alone never changes it: all-time facts, latest scores, consent, customer fields, tags.
    case stable
    /// Can only turn false: a purchase, feedback or event in the last N days, or a count or sum
    /// in the last N days at least some value.
    case falling
    /// Can only turn true: the negations of `falling`.
    case rising
    /// Anything else: `days since …`, birthdays, `joined`, segment transitions, sends as facts,
    /// equality on windowed counts.
    case unknown

    /// The trend of `condition`, segments inlined from `ruleSet`.
    public static func of(_ condition: Condition, in ruleSet: RuleSet) -> TimeTrend {
        trend(ruleSet.inliningSegments(in: condition))
    }

    /// True when the condition can never turn true by time alone.
    public var cannotTurnTrue: Bool { self == .stable || self == .falling }

    private static func trend(_ condition: Condition) -> TimeTrend {
        switch condition.kind {
        case .all(let parts), .any(let parts): combined(parts.map(trend))
        case .not(let inner): trend(inner).negated
        case .fact(let fact): booleanTrend(fact)
        case .segment: .unknown  // not inlined: an unknown segment
        case .comparison(let left, let op, let right, _): comparisonTrend(left, op, right)
        case .membership(let operand, _, _): operandTrend(operand) == .stable ? .stable : .unknown
        }
    }

    /// `and` and `or` alike: both keep a direction when every part has it or none.
    static func combined(_ trends: [TimeTrend]) -> TimeTrend {
        var result = TimeTrend.stable
        for trend in trends where trend != .stable {
            if trend == .unknown { return .unknown }
            if result == .stable {
                result = trend
            } else if result != trend {
                return .unknown
            }
        }
        return result
    }

    var negated: TimeTrend {
        switch self {
        case .stable: .stable
        case .falling: .rising
        case .rising: .falling
        case .unknown: .unknown
        }
    }

    /// A boolean fact as a condition.
    private static func booleanTrend(_ fact: Fact) -> TimeTrend {
        switch fact {
        case .purchase, .feedback, .event: .falling
        case .consent, .tagged: .stable
        default: .unknown
        }
    }

    /// How a fact's value moves with time: `stable`, `falling` (never grows) or `unknown`.
    private static func operandTrend(_ operand: Operand) -> TimeTrend {
        switch operand.kind {
        case .literal: .stable
        case .fact(let fact):
            switch fact {
            case .orders(nil), .spent(nil), .score, .firstPurchase, .lastPurchase, .customerField, .attribute: .stable
            case .orders(.some), .spent(.some): .falling
            default: .unknown
            }
        }
    }

    /// `left op right`: a value that never grows against a stable one keeps a direction for
    /// the ordering operators; equality on it does not.
    private static func comparisonTrend(_ left: Operand, _ op: ComparisonOperator, _ right: Operand) -> TimeTrend {
        switch (operandTrend(left), operandTrend(right)) {
        case (.stable, .stable): .stable
        case (.falling, .stable): shrinking(op)
        case (.stable, .falling): shrinking(op).negated
        default: .unknown
        }
    }

    /// The trend of `x op c` for a value x that only shrinks.
    private static func shrinking(_ op: ComparisonOperator) -> TimeTrend {
        switch op {
        case .greater, .greaterOrEqual: .falling
        case .less, .lessOrEqual: .rising
        case .equal, .notEqual: .unknown
        }
    }
}
