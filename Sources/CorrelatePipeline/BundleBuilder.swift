#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CorrelateDecode
import CorrelateEngine
import CorrelateExtract
import CorrelateModel
import CorrelateRender
import Foundation

/// Builds incident bundles: the alert rules (YAML) turned into the engine's matcher, and the
/// lookup over a store.
public struct BundleBuilder {
    public let store: EventStore
    public let rules: AlertRules
    public let lookup: AlertLookup

    public init(store: EventStore, rules: AlertRules, limit: Int, lookback: Int64?) {
        self.store = store
        self.rules = rules
        let matcher = AlertMatcher(
            mappings: rules.mappings.map {
                .init(label: $0.label, attributes: $0.attributes, matchSpanName: $0.matchSpanName, weight: $0.weight)
            },
            lookbackNanoseconds: lookback ?? rules.lookbackNanoseconds,
            measure: { [rules] in rules.measure(of: $0) },
            statedThresholdMilliseconds: { [rules] in rules.statedThresholdMilliseconds(of: $0) },
            defaultThresholdMilliseconds: rules.defaultThresholdMilliseconds)
        self.lookup = AlertLookup(store: store, matcher: matcher, limit: limit)
    }

    public func bundle(for alert: Alert, now: Timestamp = .now) throws -> IncidentBundle {
        try lookup.bundle(for: alert, now: now)
    }
}

/// Which alerts a lookup is about: those of a payload file, or the latest firing in the store.
public enum AlertSelection {
    /// The alerts of a payload file (see ``AlertFiles``), each firing one closed by the
    /// resolution the store holds for the same firing (same fingerprint and start): a payload
    /// read after its resolution was stored.
    public static func fromPayload(_ path: String, store: EventStore) throws -> AlertFiles.Result {
        var decoded = try AlertFiles.read(path)
        decoded.alerts = try decoded.alerts.map { alert in
            guard alert.endsAt == nil,
                  let stored = try store.alerts(withFingerprint: alert.fingerprint)
                      .first(where: { $0.startsAt == alert.startsAt && $0.endsAt != nil })
            else { return alert }
            var closed = alert
            closed.endsAt = stored.endsAt
            closed.status = stored.status
            return closed
        }
        return decoded
    }

    /// The latest firing of the alert with this name (or, given instead, fingerprint) in the
    /// store; nil when it has none.
    public static func latest(named name: String?, fingerprint: String?, store: EventStore) throws -> Alert? {
        if let name { return try store.alerts(named: name).last }
        if let fingerprint { return try store.alerts(withFingerprint: fingerprint).last }
        return nil
    }
}

/// Reads alert payloads from a file: one JSON document (a webhook body, an API list), or one
/// per line.
public enum AlertFiles {
    public struct Result: Sendable {
        public var alerts: [Alert] = []
        /// Payloads or alerts left out, with file, line and why.
        public var problems: [String] = []
        public var payloads = 0
    }

    public static func read(_ path: String) throws -> Result {
        let name = path == "-" ? SourceLocation.stdinName : path
        guard let data = path == "-" ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: path) else {
            throw InputFileError(path: path, reason: String(cString: strerror(errno == 0 ? ENOENT : errno)))
        }
        return decode(String(decoding: data, as: UTF8.self), name: name)
    }

    /// Decodes `text` as one payload, or as one payload per line; `firstLine` is the line number
    /// of its first line in `name` (for text appended to a followed file).
    public static func decode(_ text: String, name: String, firstLine: Int = 1) -> Result {
        var result = Result()
        func add(_ document: JSONDocument, line: Int) {
            result.payloads += 1
            do {
                let decoded = try AlertDecoder.decode(document)
                result.alerts += decoded.alerts
                result.problems += decoded.problems.map { "\(name):\(line): \($0)" }
            } catch {
                result.problems.append("\(name):\(line): \(error.reason)")
            }
        }
        if let document = try? JSONDocument.parse(text) {
            add(document, line: firstLine)
            return result
        }
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where !line.allSatisfy(\.isWhitespace) {
            do {
                add(try JSONDocument.parse(String(line)), line: firstLine + index)
            } catch {
                result.problems.append("\(name):\(firstLine + index): not JSON: \(error)")
            }
        }
        return result
    }
}

/// A file that could not be read.
public struct InputFileError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "cannot read '\(path)': \(reason)" }
}

/// Writes bundles in an output format, to stdout or a file (written whole, then renamed).
public enum BundleOutput {
    public enum Format: String, Sendable, CaseIterable {
        case json, markdown, html
    }

    public static func render(_ bundles: [IncidentBundle], format: Format, title: String) -> String {
        switch format {
        case .json: return bundles.map { BundleJSON.string($0) + "\n" }.joined()
        case .markdown: return BundleMarkdown.render(bundles, title: title)
        case .html: return BundleHTML.render(bundles, title: title)
        }
    }

    public static func write(_ bundles: [IncidentBundle], format: Format, title: String, to path: String?) throws {
        let text = render(bundles, format: format, title: title)
        guard let path else {
            var copy = text
            copy.withUTF8 { _ = OutputStream.standardOutput.write(UnsafeRawBufferPointer($0)) }
            return
        }
        try AtomicFile.write(Array(text.utf8), to: path)
    }
}
