#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import CorrelateModel
public import CorrelateRender
public import CorrelateSinks
import Foundation
import Yams
import CorrelateExtract
import CorrelateClickHouse

/// `correlate.yaml`: defaults for the command line, which its options override.
///
/// ```yaml
/// rules: [~/correlate-rules]          # folders, like --rules
/// db: /var/lib/correlate/correlate.db # like --db
/// store: clickhouse://correlate@ch.example:8123/otel  # like --store (instead of db:)
/// trace_urls:                         # like --trace-url, [LABEL=]URL
///   - Jaeger=https://jaeger.example/trace/{trace_id}
/// log_tz: Europe/Berlin
/// retain: 7d                          # like --retain
/// max_size: 20GB                      # like --max-size
/// color: auto                         # like --color
/// ```
///
/// Relative paths are relative to the file's folder; `~/` is the home folder.
public struct ConfigFile: Sendable {
    /// Where it was read from; nil when there was none.
    public var path: String?
    /// Rule folders (`rules:`), in force before `$CORRELATE_RULES` and `--rules`.
    public var rules: [String] = []
    /// The store (`db:`), used when neither `--db` nor `$CORRELATE_DB` is given.
    public var db: String?
    /// The store's address (`store:`), used when neither `--store`/`--db` nor
    /// `$CORRELATE_STORE`/`$CORRELATE_DB` is given; wins over `db:`.
    public var store: String?
    /// Links out for each trace (`trace_urls:`), before those of `--trace-url`.
    public var traceLinks: [TraceLinkTemplate] = []
    /// How log times without a zone are read (`log_tz:`: auto, an IANA zone or an offset), when
    /// `--log-tz` is not given.
    public var logTimeZone: String?
    /// `color:`, when `--color` is not given.
    public var colour: ColourChoice?
    /// `retain:` (nanoseconds), when `--retain` is not given.
    public var retain: Int64?
    /// `max_size:` (bytes), when `--max-size` is not given.
    public var maxSize: Int64?

    public init() {}

    /// The keys a configuration file may hold.
    public static let keys = ["rules", "db", "store", "trace_urls", "log_tz", "retain", "max_size", "color"]

    /// Where the file is: `option` (`--config`), else `$CORRELATE_CONFIG`, else
    /// `$XDG_CONFIG_HOME/correlate/correlate.yaml` (`~/.config/…` when that is unset), else
    /// `./correlate.yaml`. A file named by the option or the variable must exist (`required`);
    /// the other two are read when they exist. Nil: none.
    public static func locate(
        option: String?, environment: (String) -> String? = ConfigFile.environment,
        exists: (String) -> Bool = ConfigFile.exists
    ) -> (path: String, required: Bool)? {
        if let option, !option.isEmpty { return (option, true) }
        if let named = environment("CORRELATE_CONFIG"), !named.isEmpty { return (named, true) }
        var base = environment("XDG_CONFIG_HOME") ?? ""
        if base.isEmpty, let home = environment("HOME"), !home.isEmpty { base = home + "/.config" }
        for candidate in [base.isEmpty ? nil : base + "/correlate/correlate.yaml", "correlate.yaml"] {
            if let candidate, exists(candidate) { return (candidate, false) }
        }
        return nil
    }

    /// The file ``locate(option:environment:exists:)`` finds, read; an empty one when there
    /// is none.
    /// - Throws: a ``Diagnostic`` (exit status 2) when a file that must exist does not, cannot
    ///   be read, or holds what ``parse(_:file:)`` refuses.
    public static func load(option: String?) throws(Diagnostic) -> ConfigFile {
        guard let (path, _) = locate(option: option) else { return ConfigFile() }
        guard let file = fopen(path, "r") else {
            throw Diagnostic(.error, code: "config-unreadable",
                             "cannot read the configuration file '\(path)': \(String(cString: strerror(errno)))",
                             help: "--config and $CORRELATE_CONFIG name a file that must exist")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var block = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = fread(&block, 1, block.count, file)
            if count <= 0 { break }
            bytes += block[0..<count]
        }
        return try parse(String(decoding: bytes, as: UTF8.self), file: path)
    }

    /// Reads a configuration file's text.
    /// - Throws: a ``Diagnostic`` with the file, line and column: text that is not YAML, an
    ///   unknown key (with the key meant), a value of the wrong type, a trace link that
    ///   cannot be used (at its fault).
    public static func parse(_ text: String, file: String) throws(Diagnostic) -> ConfigFile {
        var config = ConfigFile()
        config.path = file
        let root = try RuleYAML.compose(text, file: file, code: "config-not-yaml", notYAML: "the configuration file is not YAML",
                                        document: "a configuration file")
        guard let root, !isNull(root) else { return config }
        guard let mapping = root.mapping else {
            throw problem("the configuration file must be a mapping of keys (\(keys.joined(separator: ", "))) to values", at: root, text: text, file: file)
        }
        var seen: Set<String> = []
        let folder = Self.folder(of: file)
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            guard keys.contains(key) else {
                let near = Spelling.closest(to: key, among: keys)
                throw problem("unknown key '\(key)'" + (near.map { "; did you mean '\($0)'?" } ?? ""), at: keyNode, text: text, file: file,
                              help: "the keys are " + keys.joined(separator: ", "))
            }
            guard seen.insert(key).inserted else {
                throw problem("'\(key)' is given twice", at: keyNode, text: text, file: file)
            }
            if isNull(value) { continue }
            switch key {
            case "rules":
                config.rules = try strings(value, key: key, what: "a folder or a list of folders", text: text, file: file)
                    .map { resolve($0, in: folder) }
            case "db":
                config.db = resolve(try string(value, key: key, what: "a path", text: text, file: file), in: folder)
            case "store":
                let address = try string(value, key: key, what: "a store address (clickhouse://host:8123/DATABASE) or a path", text: text, file: file)
                if ClickHouseEndpoint.names(address) {
                    do {
                        _ = try ClickHouseEndpoint.parse(address)
                    } catch {
                        throw problem(error.description, at: value, text: text, file: file)
                    }
                }
                config.store = ClickHouseEndpoint.names(address) ? address : resolve(address, in: folder)
            case "trace_urls":
                for item in try nodes(value, key: key, what: "a list of [LABEL=]URL templates", text: text, file: file) {
                    let template = try string(item, key: key, what: "a [LABEL=]URL template", text: text, file: file)
                    do {
                        config.traceLinks.append(try TraceLinkTemplate(parsing: template))
                    } catch let invalid as TraceLinkTemplate.Invalid {
                        var location = SourceLocation(file: file, line: item.mark?.line ?? 1, column: item.mark?.column)
                        let quoted = item.scalar.map { $0.style == .singleQuoted || $0.style == .doubleQuoted } ?? false
                        location.column = location.column.map { $0 + invalid.position - 1 + (quoted ? 1 : 0) }
                        throw Diagnostic(.error, code: "config-bad-value", "trace_urls: \(invalid.reason)", location: location,
                                         snippet: RuleYAML.sourceLine(location.line, of: text))
                    } catch {
                        throw problem("trace_urls: \(error)", at: item, text: text, file: file)
                    }
                }
            case "log_tz":
                let zone = try string(value, key: key, what: "a time zone (such as UTC or Europe/Berlin)", text: text, file: file)
                guard zone.lowercased() == "auto" || ZonelessTime.fixedOffset(zone) != nil || TimeZone(identifier: zone) != nil else {
                    throw problem("log_tz '\(zone)' is not a time zone: give an IANA name (Europe/Berlin), an offset (+01:00) or auto",
                                  at: value, text: text, file: file)
                }
                config.logTimeZone = zone
            case "retain":
                let text = try string(value, key: key, what: "a duration (such as 7d or 12h)", text: text, file: file)
                guard let nanoseconds = StoreLimitText.retain(text) else {
                    throw problem("retain '\(text)' is not a duration: \(StoreLimitText.retainHelp)", at: value, text: text, file: file)
                }
                config.retain = nanoseconds
            case "max_size":
                let size = try string(value, key: key, what: "a size (such as 20GB)", text: text, file: file)
                guard let bytes = StoreLimitText.maxSize(size) else {
                    throw problem("max_size '\(size)' is not a size: \(StoreLimitText.maxSizeHelp)", at: value, text: text, file: file)
                }
                config.maxSize = bytes
            default:  // color
                let word = try string(value, key: key, what: "auto, always or never", text: text, file: file)
                guard let choice = ColourChoice(rawValue: word.lowercased()) else {
                    throw problem("color must be auto, always or never, not '\(word)'", at: value, text: text, file: file)
                }
                config.colour = choice
            }
        }
        return config
    }

    // MARK: Values

    /// `key:` with nothing after it, `~` or `null`: as if the key were not there.
    private static func isNull(_ node: Node) -> Bool {
        guard let scalar = node.scalar, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    private static func string(_ node: Node, key: String, what: String, text: String, file: String) throws(Diagnostic) -> String {
        guard let scalar = node.scalar else {
            throw problem("\(key) must be \(what), not a \(node.mapping != nil ? "mapping" : "list")", at: node, text: text, file: file)
        }
        return scalar.string
    }

    private static func nodes(_ node: Node, key: String, what: String, text: String, file: String) throws(Diagnostic) -> [Node] {
        if let sequence = node.sequence { return Array(sequence) }
        if node.scalar != nil { return [node] }
        throw problem("\(key) must be \(what), not a mapping", at: node, text: text, file: file)
    }

    private static func strings(_ node: Node, key: String, what: String, text: String, file: String) throws(Diagnostic) -> [String] {
        var values: [String] = []
        for item in try nodes(node, key: key, what: what, text: text, file: file) {
            values.append(try string(item, key: key, what: what, text: text, file: file))
        }
        return values
    }

    /// `~/x` under the home folder, a relative path under the configuration file's folder.
    private static func resolve(_ path: String, in folder: String) -> String {
        if path.hasPrefix("~/"), let home = environment("HOME") { return home + path.dropFirst() }
        if path.hasPrefix("/") || folder == "." { return path }
        return folder + "/" + path
    }

    private static func folder(of file: String) -> String {
        guard let slash = file.lastIndex(of: "/") else { return "." }
        return slash == file.startIndex ? "/" : String(file[..<slash])
    }

    public static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    // MARK: Diagnostics

    private static func problem(_ message: String, at node: Node, text: String, file: String, help: String? = nil) -> Diagnostic {
        let line = node.mark?.line ?? 1
        return Diagnostic(.error, code: "config-bad-value", message,
                          location: SourceLocation(file: file, line: line, column: node.mark?.column),
                          snippet: RuleYAML.sourceLine(line, of: text), help: help)
    }

}
