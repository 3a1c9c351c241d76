import Foundation

/// The rule files named on a command line: files as given, directories as their `*.rules` files.
enum RuleFilePaths {
    /// Each argument as a file, or the `*.rules` files directly inside it, in name order.
    static func expand(_ arguments: [String]) throws -> [String] {
        var paths: [String] = []
        for argument in arguments {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else {
                throw CommandFailure("read \(argument): no such file or directory")
            }
            guard isDirectory.boolValue else {
                paths.append(argument)
                continue
            }
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: argument).filter { $0.hasSuffix(".rules") }.sorted()
            } catch {
                throw CommandFailure("read \(argument): \(error.localizedDescription)")
            }
            paths += names.map { argument.hasSuffix("/") ? argument + $0 : argument + "/" + $0 }
        }
        return paths
    }
}
