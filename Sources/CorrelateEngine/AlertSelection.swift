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
    /// store; nil when it has none.
    public static func latest(named name: String?, fingerprint: String?, store: EventStore) throws -> Alert? {
        if let name { return try store.alerts(named: name).last }
        if let fingerprint { return try store.alerts(withFingerprint: fingerprint).last }
        return nil
    }
}
