import Foundation

/// Variants of a send: each target checked as a single one, names distinct, weights all given or
/// none, summing to 100 %; `winner` only beside variants.
extension RuleChecker {
    mutating func checkVariants(
        _ channelName: String, _ channelRange: Range<Int>, _ written: [VariantSyntax], in file: SourceFile
    ) -> (channel: Channel, variants: [SendVariant])? {
        let errorsBefore = diagnostics.errorCount
        let whole = written[0].range.lowerBound..<written[written.count - 1].range.upperBound
        guard written.count >= 2 else {
            diagnostics.error(
                "a weight needs two or more variants", in: file, at: whole,
                hint: "write e.g. 'send email \"winback-a\" 70% or \"winback-b\" 30%', or drop the weight")
            return nil
        }
        var channel: Channel?
        var seen: [String: VariantSyntax] = [:]
        for variant in written {
            if let first = seen[variant.target] {
                diagnostics.error(
                    "variant \"\(variant.target)\" is listed twice", in: file, at: variant.targetRange,
                    hint: "each variant names a different template or endpoint",
                    notes: [Diagnostic.Note("first listed here", file: file, range: first.targetRange)])
                continue
            }
            seen[variant.target] = variant
            guard let (checked, _) = checkSend(channelName, channelRange, variant.target, variant.targetRange, in: file) else {
                if Channel(rawValue: channelName) == nil { return nil }  // Reported once, for the first.
                continue
            }
            channel = checked
        }
        let weights = written.compactMap(\.weight)
        var basisPoints: [Int]
        if weights.isEmpty {
            let share = 10_000 / written.count
            basisPoints = written.indices.map { $0 < 10_000 % written.count ? share + 1 : share }
        } else if weights.count < written.count {
            let missing = written.first { $0.weight == nil }!
            diagnostics.error(
                "variant \"\(missing.target)\" has no weight", in: file, at: missing.range,
                hint: "give every variant a weight, or none for equal shares")
            return nil
        } else {
            basisPoints = []
            for variant in written {
                let weight = variant.weight!
                let points = weight * 100
                let hundredths = NSDecimalNumber(decimal: points).intValue
                guard weight > 0, weight < 100, Decimal(hundredths) == points else {
                    diagnostics.error(
                        "a variant's weight must be more than 0% and less than 100%, in hundredths at most", in: file,
                        at: variant.range, hint: "write e.g. '70%' or '33.34%'")
                    return nil
                }
                basisPoints.append(hundredths)
            }
            let total = basisPoints.reduce(0, +)
            guard total == 10_000 else {
                diagnostics.error(
                    "the variants' weights add up to \(Decimal(total) / 100)%, not 100%", in: file, at: whole,
                    hint: "the weights are shares of the sends and must sum to 100%")
                return nil
            }
        }
        guard diagnostics.errorCount == errorsBefore, let channel else { return nil }
        return (channel, zip(written, basisPoints).map { SendVariant(target: $0.target, weightBasisPoints: $1) })
    }

    /// `winner` beside a send with a single target: nothing to choose between.
    mutating func winnerWithoutVariants(_ clause: ClauseSyntax, in file: SourceFile) {
        diagnostics.error(
            "'winner' needs a send with two or more variants", in: file, at: clause.range,
            hint: "write e.g. 'send email \"winback-a\" or \"winback-b\"'")
    }
}
