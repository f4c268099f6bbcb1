import CorrelateEngine
public import CorrelateExtract
public import CorrelateModel
import CorrelateRender
import Foundation

/// When and how the bundles of the streaming pipeline and the server are built.
public struct BundleSettings: Sendable {
    /// How long after an alert's window closed its bundle is built.
    public var settleNanoseconds: Int64
    /// How long a resolved alert is watched for late data after its first bundle.
    public var watchNanoseconds: Int64
    /// Traces per bundle at most.
    public var limit: Int
    /// How far before an alert's start to search; nil: from rules/alerts.yaml.
    public var lookbackNanoseconds: Int64?
    /// Alerts watched for their bundle at most (see ``BundleScheduler``).
    public var maxWatched: Int
    /// How often the inbox is read and due bundles built.
    public var tickMilliseconds: Int

    public init(settleNanoseconds: Int64 = 10_000_000_000, watchNanoseconds: Int64 = 300_000_000_000, limit: Int = 10,
                lookbackNanoseconds: Int64? = nil, maxWatched: Int = 10_000, tickMilliseconds: Int = 200) {
        self.settleNanoseconds = settleNanoseconds
        self.watchNanoseconds = watchNanoseconds
        self.limit = limit
        self.lookbackNanoseconds = lookbackNanoseconds
        self.maxWatched = maxWatched
        self.tickMilliseconds = tickMilliseconds
    }
}

/// Builds and writes bundles on a thread of its own, so the thread that writes the store never
/// waits for a bundle: however many alerts are watched, ingestion goes at the same speed.
///
/// The writer tells it, after each commit, which alert notifications it stored
/// (``observe(_:)``) and that data was added (``dataChanged()``); both only append to an inbox
/// under a lock. Every `tickMilliseconds` the worker reads the inbox, looks each alert up in its
/// own read-only connection to the store (a resolution stored earlier closes a firing
/// notification), and asks its ``BundleScheduler`` for the bundles due, which it hands to
/// `emit` and keeps the latest of (``latestBundles(named:)``). A tick builds for at most a
/// second before it reads the inbox again.
///
/// ``stop(budget:)`` builds every alert's bundle still due, within a time budget (a server has
/// to exit within a few seconds of SIGTERM); what it could not build is counted and said.
public final class BundleWorker: @unchecked Sendable {
    // Unchecked: `inbox`, `generation`, `stopping`, `finished`, `latest` and `counts` are used
    // under `condition`'s lock; the scheduler, the builder and the store only on the worker's
    // thread (or, after it has ended, by `stop`).

    /// Counts for the closing line.
    public struct Counts: Sendable {
        public var bundles = 0
        public var revisions = 0
        /// Alerts not watched, or dropped from the watch, because `maxWatched` were watched.
        public var overflow = 0
        /// Alerts whose first bundle was not built before the worker stopped.
        public var unbuilt = 0
        public var errors = 0

        /// What the closing line says after the number of bundles: " (2 of them revisions),
        /// 3 alerts beyond --max-watched not watched, …"; empty when there is nothing to add.
        public var details: String {
            (revisions > 0 ? " (\(revisions) of them revisions)" : "")
                + (overflow > 0 ? ", \(overflow) alerts beyond --max-watched not watched" : "")
                + (unbuilt > 0 ? ", \(unbuilt) first bundles not built before stopping" : "")
                + (errors > 0 ? ", \(errors) bundles that could not be built" : "")
        }
    }

    private let scheduler: BundleScheduler
    private let store: EventStore
    private let emit: (IncidentBundle) -> Void
    private let warn: (String) -> Void
    private let tickMilliseconds: Int
    private let condition = NSCondition()
    private var inbox: [(alert: Alert, arrived: Timestamp)] = []
    private var generation = 0
    private var stopping = false
    private var finished = false
    private var thread: Thread?
    private var latest: [String: IncidentBundle] = [:]
    private static let latestKept = 500
    private var counted = Counts()
    private var saidOverflow = false

    /// - Parameters:
    ///   - store: a connection of the worker's own (read-only is enough).
    ///   - emit: called on the worker's thread with each bundle (revision) to write.
    ///   - warn: called with a line for stderr (overflow, a bundle that could not be built).
    public init(store: EventStore, rules: AlertRules, settings: BundleSettings,
                emit: @escaping (IncidentBundle) -> Void, warn: @escaping (String) -> Void) {
        let builder = BundleBuilder(store: store, rules: rules, limit: settings.limit, lookback: settings.lookbackNanoseconds)
        self.store = store
        self.scheduler = BundleScheduler(settleNanoseconds: settings.settleNanoseconds, watchNanoseconds: settings.watchNanoseconds,
                                         maxWatched: settings.maxWatched, content: Self.content) { try builder.bundle(for: $0, now: $1) }
        self.emit = emit
        self.warn = warn
        self.tickMilliseconds = settings.tickMilliseconds
    }

    /// A bundle's content as its JSON, hashed (FNV-1a).
    public static func content(_ bundle: IncidentBundle) -> UInt64 {
        var hash = FNV1a()
        hash.add(BundleJSON.string(bundle).utf8)
        return hash.value
    }

    public func start() {
        let thread = Thread { [self] in loop() }
        thread.name = "correlate.bundles"
        self.thread = thread
        thread.start()
    }

    /// Alert notifications just committed to the store.
    public func observe(_ alerts: [Alert]) {
        let now = Timestamp.now
        condition.lock()
        inbox += alerts.map { ($0, now) }
        condition.broadcast()
        condition.unlock()
    }

    /// Spans or log records were committed: watched alerts may have changed.
    public func dataChanged() {
        condition.lock()
        generation += 1
        condition.unlock()
    }

    /// Stops the thread after building what is due, spending at most `budget` seconds on it
    /// (nil: no limit, for a run whose input has ended); then ``counts`` says how many first
    /// bundles were left unbuilt.
    public func stop(budget: Double?) {
        condition.lock()
        stopping = true
        finalBudget = budget
        condition.broadcast()
        while !finished && thread != nil { condition.wait() }
        condition.unlock()
        if thread == nil { finish() }
    }

    private var finalBudget: Double?

    public var counts: Counts {
        condition.lock()
        defer { condition.unlock() }
        return counted
    }

    /// Alerts watched now.
    public var watched: Int {
        condition.lock()
        defer { condition.unlock() }
        return watchedCount
    }

    private var watchedCount = 0

    /// The latest bundles, of the alert named `name` or of all, newest first.
    public func latestBundles(named name: String?) -> [IncidentBundle] {
        condition.lock()
        defer { condition.unlock() }
        return latest.values
            .filter { name == nil || $0.alert.name == name }
            .sorted { ($0.alert.startsAt, $0.alert.fingerprint) > ($1.alert.startsAt, $1.alert.fingerprint) }
    }

    // MARK: - The worker's thread

    private func loop() {
        while true {
            condition.lock()
            let wake = Date(timeIntervalSinceNow: Double(tickMilliseconds) / 1000)
            while !stopping, Date() < wake { _ = condition.wait(until: wake) }
            let last = stopping
            condition.unlock()
            if last { break }
            let until = Date(timeIntervalSinceNow: 1)
            step(final: false) { Date() >= until }
        }
        finish()
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// The final pass: every alert due at once, within the budget.
    private func finish() {
        let until = finalBudget.map { Date(timeIntervalSinceNow: $0) }
        step(final: true) { until.map { Date() >= $0 } ?? false }
        let left = scheduler.unbuilt(now: .now, final: true)
        condition.lock()
        counted.unbuilt = left
        condition.unlock()
        if left > 0 {
            warn("\(left) alert\(left == 1 ? "" : "s") still waiting for a first bundle were not built before stopping; "
                 + "they are in the store: correlate lookup --fingerprint FP builds one")
        }
    }

    /// Takes the inbox in, then builds what is due until `shouldYield`.
    private func step(final: Bool, shouldYield: () -> Bool) {
        condition.lock()
        let arrived = inbox
        inbox.removeAll()
        let currentGeneration = generation
        condition.unlock()

        var overflow = 0
        for (alert, time) in arrived {
            // The store merges a firing notification with its resolution: schedule what it holds.
            let stored = (try? store.alerts(withFingerprint: alert.fingerprint))?.first { $0.startsAt == alert.startsAt }
            switch scheduler.observe(stored ?? alert, at: time) {
            case .watched: break
            case .replaced(let dropped): overflow += dropped.count
            case .notWatched: overflow += 1
            }
        }
        if overflow > 0 {
            condition.lock()
            counted.overflow += overflow
            let say = !saidOverflow
            saidOverflow = true
            condition.unlock()
            if say {
                warn("watching at most \(scheduler.maxWatched) alerts (--max-watched): the longest-watched ones whose bundle was written "
                     + "make room for new ones, and new ones wait when none was written; counted in the closing line")
            }
        }
        var errors = 0
        let bundles = scheduler.tick(now: .now, generation: currentGeneration, final: final, shouldYield: shouldYield) { alert, error in
            errors += 1
            if errors == 1 { self.warn("cannot build the bundle of \(alert.name) (\(alert.fingerprint)): \(error)") }
        }
        condition.lock()
        watchedCount = scheduler.count
        counted.errors += errors
        for bundle in bundles {
            latest["\(bundle.alert.fingerprint)@\(bundle.alert.startsAt.nanoseconds)"] = bundle
            counted.bundles += 1
            if bundle.revision > 0 { counted.revisions += 1 }
        }
        if latest.count > Self.latestKept {
            let oldest = latest.sorted { $0.value.alert.startsAt < $1.value.alert.startsAt }.prefix(latest.count - Self.latestKept)
            for (key, _) in oldest { latest[key] = nil }
        }
        condition.unlock()
        for bundle in bundles {
            // Where several servers share the store, the first to record a revision emits it.
            // A store that cannot be asked does not hold the bundle back.
            guard (try? store.claimBundle(fingerprint: bundle.alert.fingerprint, startsAt: bundle.alert.startsAt,
                                          revision: bundle.revision, json: BundleJSON.string(bundle))) ?? true else { continue }
            emit(bundle)
        }
    }
}
