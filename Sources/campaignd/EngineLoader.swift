import CampaignConfig
import Delivery
import Engine
import Foundation
import RuleLanguage

/// Builds what the engine runs with from the config file: the config, the checked rules, the
/// templates and the channels. Anything invalid fails the whole load, with every problem
/// (rule problems with file:line:column), so a reload is all or nothing.
enum EngineLoader {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func load(configPath: String) throws -> EngineConfiguration {
        let config: Config
        do {
            config = try Config.load(path: configPath)
        } catch {
            throw Failure(description: error.description)
        }
        let directory = CheckCommand.relativeToCurrentDirectory(config.rulesDirectory)
        let result: CheckResult
        do {
            result = try RuleSetLoader.load(directory: directory, environment: CheckCommand.environment(config: config))
        } catch let error as RuleSetLoadError {
            throw Failure(description: error.description)
        }
        guard let ruleSet = result.ruleSet else {
            let errors = result.diagnostics.filter { $0.severity == .error }
            throw Failure(description: DiagnosticRenderer(colour: false).render(errors).trimmingCharacters(in: .newlines))
        }
        let problems = CheckCommand.templateAndChannelProblems(config: config, rules: ruleSet)
        guard problems.isEmpty else { throw Failure(description: problems.joined(separator: "\n")) }
        let channels: ChannelSet
        do {
            channels = try ChannelSet.make(config: config)
        } catch {
            throw Failure(description: error.problems.joined(separator: "\n"))
        }
        var rates: [Channel: Double] = [:]
        for (name, rate) in config.dispatch.ratePerSecond {
            if let channel = Channel(rawValue: name) { rates[channel] = rate }
        }
        let runtime = EngineRuntime(
            ruleSet: ruleSet,
            channels: [.email: channels.email, .letter: channels.letter, .webhook: channels.webhook],
            businessTimeZone: config.timeZone, currency: config.currency,
            defaultEmailQuietHours: config.quietHours.flatMap { hours in
                guard let start = TimeOfDay(hour: hours.startMinute / 60, minute: hours.startMinute % 60),
                    let end = TimeOfDay(hour: hours.endMinute / 60, minute: hours.endMinute % 60)
                else { return nil }
                return QuietHours(start: start, end: end)
            })
        let retry = RetryPolicy(
            initialDelay: seconds(config.retry.initialDelay), maxDelay: seconds(config.retry.maxDelay),
            maxAge: seconds(config.retry.maxAge))
        return EngineConfiguration(
            runtime: runtime,
            policy: DispatchPolicy(concurrency: config.dispatch.concurrency, ratePerSecond: rates, retry: retry),
            tickSeconds: max(1, Int64(seconds(config.tick))),
            contactPressureMessages: config.contactPressure.maxMessages,
            contactPressureDays: config.contactPressure.perDays)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
