import Foundation
@testable import RuleLanguage

/// Everything a checked rule set means, without source positions or files: equal dumps, equal
/// behaviour.
extension RuleSet {
    var dump: [String] {
        var lines: [String] = []
        for segment in segments {
            lines.append("segment \(segment.name) \(segment.condition.sExpression)")
        }
        for rule in rules {
            lines.append(
                "rule \(rule.name) | \(rule.description ?? "-") | \(rule.condition.sExpression) | \(rule.channel) "
                    + "\(rule.target) | \(rule.limit) | \(rule.holdoutPercent)% | \(String(describing: rule.quietHours)) "
                    + "| \(rule.priority) | \(String(describing: rule.activeWindow))")
        }
        for journey in journeys {
            lines.append(
                "journey \(journey.name) | \(journey.description ?? "-") | \(journey.entry.sExpression) | "
                    + "\(journey.exit?.sExpression ?? "-") | \(journey.reenterAfterDays.map(String.init) ?? "-") | "
                    + "\(journey.holdoutPercent)% | \(journey.priority)")
            for step in journey.steps {
                lines.append(
                    "  step \(step.name) | wait \(step.waitBefore.map { "\($0.days) \(String(describing: $0.at))" } ?? "-") | "
                        + "\(step.condition?.sExpression ?? "-") | \(step.channel) \(step.target) | "
                        + String(describing: step.quietHours))
            }
        }
        return lines
    }
}
