/// An alert as correlate keeps it: from an Alertmanager or Grafana webhook, or Alertmanager's
/// API.
public struct Alert: Hashable, Sendable {
    public enum Status: String, Sendable {
        case firing, resolved
    }

    /// The `alertname` label.
    public var name: String
    /// Alertmanager's fingerprint of the labels (16 hex digits); computed the same way when a
    /// payload has none.
    public var fingerprint: String
    public var status: Status
    public var labels: [(String, String)]
    public var annotations: [(String, String)]
    public var startsAt: Timestamp
    /// nil while firing (Alertmanager's `0001-01-01T00:00:00Z`).
    public var endsAt: Timestamp?
    /// Where it came from: `alertmanager`, `grafana`, `alertmanager-api`.
    public var source: String
    public var generatorURL: String?

    public init(
        name: String, fingerprint: String, status: Status, labels: [(String, String)],
        annotations: [(String, String)] = [], startsAt: Timestamp, endsAt: Timestamp? = nil,
        source: String, generatorURL: String? = nil
    ) {
        self.name = name
        self.fingerprint = fingerprint
        self.status = status
        self.labels = labels
        self.annotations = annotations
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.source = source
        self.generatorURL = generatorURL
    }

    public func label(_ key: String) -> String? { labels.first { $0.0 == key }?.1 }
    public func annotation(_ key: String) -> String? { annotations.first { $0.0 == key }?.1 }

    public static func == (lhs: Alert, rhs: Alert) -> Bool {
        lhs.name == rhs.name && lhs.fingerprint == rhs.fingerprint && lhs.status == rhs.status
            && lhs.labels.elementsEqual(rhs.labels, by: ==) && lhs.annotations.elementsEqual(rhs.annotations, by: ==)
            && lhs.startsAt == rhs.startsAt && lhs.endsAt == rhs.endsAt && lhs.source == rhs.source
            && lhs.generatorURL == rhs.generatorURL
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(fingerprint)
        hasher.combine(startsAt)
    }

    /// Alertmanager's label fingerprint: 64-bit FNV-1a over the label names and values sorted by
    /// name, each followed by the byte 255.
    public static func fingerprint(of labels: [(String, String)]) -> String {
        var hash = FNV1a()
        for (name, value) in labels.sorted(by: { $0.0 < $1.0 }) {
            hash.add(name.utf8)
            hash.add(255)
            hash.add(value.utf8)
            hash.add(255)
        }
        return hash.hex
    }
}
