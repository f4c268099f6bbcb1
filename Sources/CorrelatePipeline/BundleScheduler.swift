import CorrelateModel
import CorrelateRender

/// When the streaming pipeline writes a bundle for an alert, and when again.
///
/// An alert is due once its window has closed (its `endsAt`; a still-firing alert's window is
/// open, so its latest notification counts) and the settle delay has passed since, so spans and
/// logs that exporters hold back in batches have arrived. Its first bundle is revision 0. While
/// it is watched, new data in the store (a new *generation*) makes it rebuilt, at most once per
/// settle delay; when the rebuilt bundle differs, it is written again as the next revision. A
/// resolved alert is forgotten `watch` after it was due, so memory holds only the alerts of the
/// last minutes, however long the stream runs.
///
/// Time is passed in, never read, so the schedule is testable.
public final class BundleScheduler {
    struct Tracked {
        var alert: Alert
        /// When its latest notification came (wall time).
        var arrived: Timestamp
        /// The revision last written; nil before the first.
        var revision: Int?
        var digest: UInt64 = 0
        var builtAt = Timestamp(nanoseconds: 0)
        var builtGeneration = -1
    }

    private let build: (Alert, Timestamp) throws -> IncidentBundle
    public let settleNanoseconds: Int64
    public let watchNanoseconds: Int64
    private var tracked: [AlertKey: Tracked] = [:]

    /// Alerts waiting for their first bundle or watched for late data.
    public var count: Int { tracked.count }

    public init(settleNanoseconds: Int64, watchNanoseconds: Int64, build: @escaping (Alert, Timestamp) throws -> IncidentBundle) {
        self.settleNanoseconds = settleNanoseconds
        self.watchNanoseconds = watchNanoseconds
        self.build = build
    }

    /// A notification of `alert` (as the store now holds it: a resolution is kept) arrived.
    public func observe(_ alert: Alert, at now: Timestamp) {
        let key = AlertKey(alert)
        if var known = tracked[key] {
            guard known.alert.status != alert.status || known.alert.endsAt != alert.endsAt else { return }
            known.alert = alert
            known.arrived = now
            known.builtGeneration = -1  // its window changed: build again once settled
            tracked[key] = known
        } else {
            tracked[key] = Tracked(alert: alert, arrived: now)
        }
    }

    /// The bundles to write now: first bundles of alerts that settled, and new revisions of
    /// those whose bundle changed. With `final` (no more input is coming), every alert is due
    /// at once.
    /// - Parameter generation: changes whenever data was added to the store.
    public func tick(now: Timestamp, generation: Int, final: Bool = false) throws -> [IncidentBundle] {
        var out: [IncidentBundle] = []
        for key in tracked.keys.sorted() {
            guard var item = tracked[key] else { continue }
            let due = Timestamp(nanoseconds: max(item.alert.endsAt ?? item.arrived, item.arrived).nanoseconds + settleNanoseconds)
            guard final || now >= due else { continue }
            let stale = item.builtGeneration != generation
            let rested = final || now.nanoseconds - item.builtAt.nanoseconds >= settleNanoseconds
            if item.revision == nil || (stale && rested) {
                var bundle = try build(item.alert, now)
                let digest = Self.digest(bundle)
                item.builtAt = now
                item.builtGeneration = generation
                if item.revision == nil || digest != item.digest {
                    let revision = item.revision.map { $0 + 1 } ?? 0
                    bundle.revision = revision
                    item.revision = revision
                    item.digest = digest
                    out.append(bundle)
                }
            }
            if !final, item.alert.endsAt != nil, now.nanoseconds >= due.nanoseconds + watchNanoseconds {
                tracked[key] = nil
            } else {
                tracked[key] = item
            }
        }
        return out
    }

    /// What a bundle says, apart from when it was built: the window's end of a still-firing
    /// alert is "now" and does not count as a change.
    static func digest(_ bundle: IncidentBundle) -> UInt64 {
        var copy = bundle
        copy.windowEnd = copy.alert.endsAt ?? copy.windowStart
        copy.revision = 0
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in BundleJSON.string(copy).utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }
}

/// An alert's identity in the store: (fingerprint, startsAt).
struct AlertKey: Hashable, Comparable {
    var startsAt: Int64
    var fingerprint: String

    init(_ alert: Alert) {
        startsAt = alert.startsAt.nanoseconds
        fingerprint = alert.fingerprint
    }

    static func < (lhs: AlertKey, rhs: AlertKey) -> Bool {
        (lhs.startsAt, lhs.fingerprint) < (rhs.startsAt, rhs.fingerprint)
    }
}
