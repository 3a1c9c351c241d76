import Foundation
@testable import RuleLanguage

/// Access to the test fixtures and the environment the fixtures are checked against.
enum Fixtures {
    static var directory: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures")
    }

    /// Templates and endpoints the fixture rules may name.
    static let environment = CheckEnvironment(
        emailTemplates: [
            "winback-coupon", "birthday", "cart-reminder", "welcome", "vip-news",
            "onboarding-thanks", "onboarding-tips", "review-ask",
        ],
        letterTemplates: ["thank-you"],
        webhookEndpoints: ["crm-escalation"],
        templatesDirectory: "templates")

    /// A fixture file, named in diagnostics by its path under Fixtures (e.g. `bad/x.rules`).
    static func sourceFile(_ relativePath: String) throws -> SourceFile {
        let data = try Data(contentsOf: directory.appendingPathComponent(relativePath))
        return SourceFile(name: relativePath, contents: [UInt8](data))
    }

    /// Rule files of a fixture case: the file itself, or every `.rules` file in a folder, sorted.
    static func caseFiles(_ relativePath: String) throws -> [SourceFile] {
        let url = directory.appendingPathComponent(relativePath)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return [try sourceFile(relativePath)]
        }
        return try FileManager.default.contentsOfDirectory(atPath: url.path)
            .filter { $0.hasSuffix(".rules") }.sorted()
            .map { try sourceFile(relativePath + "/" + $0) }
    }

    static func check(_ relativePath: String) throws -> CheckResult {
        RuleSetLoader.check(try caseFiles(relativePath), environment: environment)
    }
}
