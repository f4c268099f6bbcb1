public import CorrelateModel

/// Which alerts a lookup is about: those of a payload, merged with what the store knows, or
/// the latest firing in the store.
public enum AlertSelection {
    /// Each firing alert closed by the resolution the store holds for the same firing (same
    /// fingerprint and start): a payload read after its resolution was stored.
    public static func closed(_ alerts: [Alert], by store: EventStore) throws -> [Alert] {
        try alerts.map { alert in
            guard alert.endsAt == nil,
                  let stored = try store.alerts(withFingerprint: alert.fingerprint)
                      .first(where: { $0.startsAt == alert.startsAt && $0.endsAt != nil })
            else { return alert }
            var closed = alert
            closed.endsAt = stored.endsAt
            closed.status = stored.status
            return closed
        }
    }

    /// The latest firing of the alert with this name (or, given instead, fingerprint) in the
    /// store; nil when it has none. A name is matched as written, else with case ignored
    /// (`jobLatencyHigh` finds `JobLatencyHigh`).
    public static func latest(named name: String?, fingerprint: String?, store: EventStore) throws -> Alert? {
        if let name {
            if let exact = try store.alerts(named: name).last { return exact }
            let folded = name.lowercased()
            return try everyAlert(in: store).last { $0.name.lowercased() == folded }
        }
        if let fingerprint { return try store.alerts(withFingerprint: fingerprint).last }
        return nil
    }

    /// The names of the alerts in the store, each once, sorted.
    public static func names(in store: EventStore) throws -> [String] {
        Set(try everyAlert(in: store).map(\.name)).sorted()
    }

    /// Every alert in the store, oldest first. (Alerts are few beside spans and log lines.)
    private static func everyAlert(in store: EventStore) throws -> [Alert] {
        try store.alerts(overlapping: Timestamp(nanoseconds: .min), Timestamp(nanoseconds: .max))
    }
}
