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
