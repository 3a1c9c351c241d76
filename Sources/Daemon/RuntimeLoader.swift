import CampaignConfig
import Delivery
import Engine
import Foundation
import RuleLanguage

/// Builds what the engine runs with from the config file: the config, the checked rules, the
/// templates and the channels.
///
/// Anything invalid fails the whole load, with every problem (rule problems with
/// file:line:column), so a reload is all or nothing. `campaignd check` runs the same rule
/// loading (`rules(config:directory:)`) and the same template and channel checks
/// (`templateAndChannelProblems(config:rules:)`).
public enum RuntimeLoader {
    /// Why a load failed: every problem, one per line (rule diagnostics rendered with their source line).
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Loads the config at `configPath`, its rules, templates and channels, or fails with every problem.
    public static func load(configPath: String) throws(Failure) -> EngineConfiguration {
        try load(config: try loadConfig(path: configPath))
    }

    /// The config file at `path`, checked, or every problem.
    static func loadConfig(path: String) throws(Failure) -> Config {
        do {
            return try Config.load(path: path)
        } catch {
            throw Failure(description: error.description)
        }
    }

    /// The rules, templates and channels `config` names, or every problem.
    static func load(config: Config) throws(Failure) -> EngineConfiguration {
        let result: CheckResult
        do {
            result = try rules(config: config)
        } catch let error as RuleSetLoadError {
            throw Failure(description: error.description)
        } catch {
            throw Failure(description: "\(error)")
        }
        guard let ruleSet = result.ruleSet else {
            let errors = result.diagnostics.filter { $0.severity == .error }
            throw Failure(description: DiagnosticRenderer(colour: false).render(errors).trimmingCharacters(in: .newlines))
        }
        let problems = templateAndChannelProblems(config: config, rules: ruleSet)
        guard problems.isEmpty else { throw Failure(description: problems.joined(separator: "\n")) }
        let channels: ChannelSet
        do {
            channels = try ChannelSet.make(config: config)
        } catch {
            throw Failure(description: error.problems.joined(separator: "\n"))
        }
        return EngineConfiguration(config: config, ruleSet: ruleSet, channels: channels)
    }
}
