#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import CorrelateModel

/// A rule file's text and where it came from.
public struct RuleSource: Sendable {
    /// The path shown in messages (`rules/celery.yaml` for shipped rules).
    public var path: String
    public var text: String
    public var isShipped: Bool

    public init(path: String, text: String, isShipped: Bool = false) {
        self.path = path
        self.text = text
        self.isShipped = isShipped
    }
}

/// Rules that could not be loaded, with every problem found.
public struct RuleLoadError: Error, Sendable {
    public let diagnostics: [Diagnostic]
}

/// The loaded, checked and combined rules.
public struct LoadedRules: Sendable {
    public let ruleSet: RuleSet
    /// Notes about rules that replaced others of the same name.
    public let notes: [Diagnostic]
    /// Rules that could not be compiled are never here: loading fails instead.
    public let sourceCount: Int
}

/// Finds, reads, checks and combines rule files.
///
/// Order: the shipped rules (built into the binary from `rules/`), then the folders in
/// `$CORRELATE_RULES` (separated by `:`), then each `--rules DIR`. A rule whose name was already
/// loaded from another folder replaces it; two rules of one name in one folder (one file or
/// two) are an error, since which one won would depend on how the files sort.
public enum RuleLoader {
    /// The shipped rule files, as built into the binary.
    public static func shippedSources() -> [RuleSource] {
        ShippedRules.files.map { RuleSource(path: "rules/\($0.name)", text: $0.text, isShipped: true) }
    }

    /// Every `*.yaml` / `*.yml` file of `directory`, sorted by name.
    public static func sources(inDirectory directory: String) throws(RuleLoadError) -> [RuleSource] {
        guard let dir = opendir(directory) else {
            throw RuleLoadError(diagnostics: [Diagnostic(
                .error, code: "rules-folder-unreadable",
                "cannot read rules folder '\(directory)': \(String(cString: strerror(errno)))")])
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasSuffix(".yaml") || name.hasSuffix(".yml") { names.append(name) }
        }
        var sources: [RuleSource] = []
        for name in names.sorted() {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            guard let text = readWholeFile(path) else {
                throw RuleLoadError(diagnostics: [Diagnostic(
                    .error, code: "rule-file-unreadable",
                    "cannot read rule file '\(path)': \(String(cString: strerror(errno)))")])
            }
            sources.append(RuleSource(path: path, text: text))
        }
        return sources
    }

    /// The folders named by `$CORRELATE_RULES`.
    public static func environmentDirectories() -> [String] {
        guard let value = getenv("CORRELATE_RULES") else { return [] }
        return String(cString: value).split(separator: ":").map(String.init).filter { !$0.isEmpty }
    }

    /// Parses, compiles and combines `sources`.
    /// - Throws: ``RuleLoadError`` with every error found, when any rule is unusable.
    public static func load(_ sources: [RuleSource]) throws(RuleLoadError) -> LoadedRules {
        var errors: [Diagnostic] = []
        var notes: [Diagnostic] = []
        var byName: [String: (index: Int, file: String)] = [:]
        var compiled: [CompiledRule?] = []
        for source in sources {
            var parser = RuleFileParser(file: source.path, text: source.text)
            let rules = parser.parse()
            errors += parser.diagnostics
            for rule in rules {
                if let previous = byName[rule.name] {
                    let sameFile = previous.file == source.path
                    if sameFile || Self.folder(of: previous.file) == Self.folder(of: source.path) {
                        errors.append(Diagnostic(
                            .error, code: "rule-duplicate-name",
                            sameFile ? "rule name '\(rule.name)' is used twice in one file"
                                : "rule name '\(rule.name)' is defined in two files of one folder, \(previous.file) and \(source.path)",
                            location: rule.location, snippet: parser.sourceLine(rule.location.line),
                            help: sameFile ? "rename one of them; names must be unique"
                                : "rename one of them; to replace a rule, put the new one in a folder given later (--rules)"))
                        continue
                    }
                    notes.append(Diagnostic(
                        .note, code: "rule-overridden",
                        "rule '\(rule.name)' from \(previous.file) is replaced by the one in \(source.path)",
                        location: rule.location))
                    compiled[previous.index] = nil
                }
                switch CompiledRule.compile(rule, sourceText: source.text) {
                case .success(let rule):
                    byName[rule.rule.name] = (compiled.count, source.path)
                    compiled.append(rule)
                case .failure(let diagnostic):
                    errors.append(diagnostic)
                }
            }
        }
        guard errors.isEmpty else { throw RuleLoadError(diagnostics: errors) }
        do {
            let set = try RuleSet(rules: compiled.compactMap { $0 })
            return LoadedRules(ruleSet: set, notes: notes, sourceCount: sources.count)
        } catch {
            throw RuleLoadError(diagnostics: [error])
        }
    }

    /// The folder part of a rule file's path.
    static func folder(of path: String) -> Substring {
        path.lastIndex(of: "/").map { path[..<$0] } ?? ""
    }

    static func readWholeFile(_ path: String) -> String? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count > 0 { bytes.append(contentsOf: chunk[0..<count]) }
            if count < chunk.count { break }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
