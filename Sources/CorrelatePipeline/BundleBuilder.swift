#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import CorrelateDecode
public import CorrelateEngine
public import CorrelateExtract
public import CorrelateModel
import CorrelateRender
import CorrelateSources
import Foundation

/// Builds incident bundles: the alert rules (YAML) turned into the engine's matcher, and the
/// lookup over a store.
public struct BundleBuilder {
    public let store: EventStore
    public let rules: AlertRules
    public let lookup: AlertLookup

    /// - Parameter secondStore: where a second handle on `store` comes from, for the queue figures
    ///   and the window's unexplained log lines, read on another thread
    ///   (``AlertLookup/secondStore``); nil: read on `store`, in turn.
    public init(store: EventStore, secondStore: SecondStore? = nil, rules: AlertRules, limit: Int, lookback: Int64?) {
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
        self.lookup = AlertLookup(store: store, secondStore: secondStore, matcher: matcher, limit: limit)
    }

    public func bundle(for alert: Alert, now: Timestamp = .now) throws -> IncidentBundle {
        try lookup.bundle(for: alert, now: now)
    }
}

extension AlertSelection {
    /// The alerts of a payload file (see ``AlertFiles``), closed by the resolutions the store
    /// holds (``closed(_:by:)``).
    /// - Throws: ``InputError`` when the file cannot be read (damaged compressed data: once its
    ///   whole lines are decoded).
    public static func fromPayload(_ path: String, store: EventStore) throws -> AlertFiles.Result {
        var unreadable: [InputError] = []
        let name = path == "-" ? SourceLocation.stdinName : path
        let text = InputText.read(path: path, name: name, unreadable: &unreadable)
        if let error = unreadable.first, text == nil { throw error }
        var decoded = AlertFiles.decode(text ?? "", name: name)
        if let error = unreadable.first { decoded.problems.append(InputProblem(SourceLocation(file: name, line: error.line ?? 1), error.description)) }
        decoded.alerts = try closed(decoded.alerts, by: store)
        return decoded
    }
}
