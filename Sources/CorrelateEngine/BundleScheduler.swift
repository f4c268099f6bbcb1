public import CorrelateModel

/// When the streaming pipeline writes a bundle for an alert, and when again.
///
/// An alert is due once its window has closed (its `endsAt`; a still-firing alert's window is
/// open, so its latest notification counts) and the settle delay has passed since, so spans and
/// logs that exporters hold back in batches have arrived. Its first bundle is revision 0. While
/// it is watched, new data in the store (a new *generation*) makes it rebuilt, at most once per
/// settle delay; when the rebuilt bundle differs, it is written again as the next revision. A
/// resolved alert is forgotten `watch` after it was due, so memory holds only the alerts of the
/// last minutes, however long the stream runs. At most `maxWatched` alerts are watched: past
/// that, the longest-watched alerts whose bundle was written (resolved ones first, a tenth of
/// the cap at a time, so a storm of alerts costs a sort per tenth) make room for new ones; when
/// none was written yet, the new one is not watched. Either way ``observe(_:at:)`` says so.
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
    public let maxWatched: Int
    private var tracked: [AlertKey: Tracked] = [:]
    /// How many of `tracked` have had their first bundle written.
    private var writtenCount = 0

    /// Alerts waiting for their first bundle or watched for late data.
    public var count: Int { tracked.count }

    /// - Parameters:
    ///   - content: a hash of what a bundle says (its serialised form), by which a rebuilt bundle
    ///     is told apart from the one written; the time it was built is left out before.
    public init(settleNanoseconds: Int64, watchNanoseconds: Int64, maxWatched: Int = .max,
                content: @escaping (IncidentBundle) -> UInt64,
                build: @escaping (Alert, Timestamp) throws -> IncidentBundle) {
        self.content = content
        self.settleNanoseconds = settleNanoseconds
        self.watchNanoseconds = watchNanoseconds
        self.maxWatched = max(1, maxWatched)
        self.build = build
    }

    /// What became of an observed alert.
    public enum Observed: Equatable {
        /// Watched (new, or its known notification updated).
        case watched
        /// Watched; these alerts are no longer, to make room.
        case replaced([Alert])
        /// Not watched: `maxWatched` alerts are waiting for their first bundle.
        case notWatched
    }

    /// A notification of `alert` (as the store now holds it: a resolution is kept) arrived.
    @discardableResult
    public func observe(_ alert: Alert, at now: Timestamp) -> Observed {
        let key = AlertKey(alert)
        if var known = tracked[key] {
            guard known.alert.status != alert.status || known.alert.endsAt != alert.endsAt else { return .watched }
            known.alert = alert
            known.arrived = now
            known.builtGeneration = -1  // its window changed: build again once settled
            tracked[key] = known
            return .watched
        }
        var outcome = Observed.watched
        if tracked.count >= maxWatched {
            guard writtenCount > 0 else { return .notWatched }
            // The longest-watched alerts already written, resolved ones before firing ones.
            let oldest = tracked.filter { $0.value.revision != nil }
                .sorted { ($0.value.alert.endsAt == nil ? 1 : 0, $0.value.arrived) < ($1.value.alert.endsAt == nil ? 1 : 0, $1.value.arrived) }
                .prefix(max(1, maxWatched / 10))
            guard !oldest.isEmpty else { return .notWatched }
            for item in oldest { tracked[item.key] = nil }
            writtenCount -= oldest.count
            outcome = .replaced(oldest.map(\.value.alert))
        }
        tracked[key] = Tracked(alert: alert, arrived: now)
        return outcome
    }

    /// Alerts due for their first bundle at `now` that have none yet.
    public func unbuilt(now: Timestamp, final: Bool = false) -> Int {
        tracked.values.filter { item in
            item.revision == nil && (final || now >= Self.due(item, settle: settleNanoseconds))
        }.count
    }

    private static func due(_ item: Tracked, settle: Int64) -> Timestamp {
        max(item.alert.endsAt ?? item.arrived, item.arrived).advanced(by: settle)
    }

    /// The bundles to write now: first bundles of alerts that settled, and new revisions of
    /// those whose bundle changed. With `final` (no more input is coming), every alert is due
    /// at once.
    /// - Parameters:
    ///   - generation: changes whenever data was added to the store.
    ///   - shouldYield: asked before each build; when it says true, the tick ends there and the
    ///     alerts not reached wait for the next one (first bundles are built before revisions).
    ///   - onError: told of a bundle that could not be built (a store error); that alert is
    ///     tried again when new data comes, the others are built all the same.
    public func tick(now: Timestamp, generation: Int, final: Bool = false,
                     shouldYield: () -> Bool = { false },
                     onError: (Alert, any Error) -> Void = { _, _ in }) -> [IncidentBundle] {
        var out: [IncidentBundle] = []
        // Alerts with no bundle yet first, oldest first; then the watched ones.
        let keys = tracked.keys.sorted { a, b in
            let (first, second) = (tracked[a]!.revision == nil, tracked[b]!.revision == nil)
            return first != second ? first : a < b
        }
        for key in keys {
            guard var item = tracked[key] else { continue }
            let due = Self.due(item, settle: settleNanoseconds)
            guard final || now >= due else { continue }
            let stale = item.builtGeneration != generation
            let rested = final || now.nanoseconds(since: item.builtAt) >= settleNanoseconds
            // A first bundle is built as soon as it is due; one that failed, and a written one,
            // again when there is new data, at most once per settle delay.
            if (item.revision == nil && item.builtGeneration == -1) || (stale && rested) {
                if shouldYield() { break }
                item.builtAt = now
                item.builtGeneration = generation
                var bundle: IncidentBundle
                do {
                    bundle = try build(item.alert, now)
                } catch {
                    onError(item.alert, error)
                    tracked[key] = item
                    continue
                }
                let digest = self.digest(bundle)
                if item.revision == nil { writtenCount += 1 }
                if item.revision == nil || digest != item.digest {
                    let revision = item.revision.map { $0 + 1 } ?? 0
                    bundle.revision = revision
                    item.revision = revision
                    item.digest = digest
                    out.append(bundle)
                }
            }
            if !final, item.alert.endsAt != nil, now >= due.advanced(by: watchNanoseconds) {
                if item.revision != nil { writtenCount -= 1 }
                tracked[key] = nil
            } else {
                tracked[key] = item
            }
        }
        return out
    }

    /// What a bundle says, apart from when it was built: the window's end of a still-firing
    /// alert is "now" and does not count as a change.
    func digest(_ bundle: IncidentBundle) -> UInt64 {
        var copy = bundle
        copy.windowEnd = copy.alert.endsAt ?? copy.windowStart
        copy.revision = 0
        return content(copy)
    }

    private let content: (IncidentBundle) -> UInt64
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
