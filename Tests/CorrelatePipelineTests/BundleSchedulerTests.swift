import Testing
import CorrelateModel
import CorrelatePipeline
import CorrelateEngine

/// The schedule of the streaming pipeline, with time passed in.
@Suite struct BundleSchedulerTests {
    private let second: Int64 = 1_000_000_000

    private func time(_ seconds: Int64) -> Timestamp { Timestamp(nanoseconds: 1_700_000_000 * second + seconds * second) }

    private func alert(endsAt: Int64? = nil, fingerprint: String = "00000000000000aa") -> Alert {
        Alert(name: "JobLatencyHigh", fingerprint: fingerprint, status: endsAt == nil ? .firing : .resolved,
              labels: [("alertname", "JobLatencyHigh")], startsAt: time(0), endsAt: endsAt.map(time), source: "alertmanager")
    }

    /// A scheduler whose bundles hold `candidates` traces, counting its builds.
    private final class Fake {
        var candidates = 0
        var builds = 0
        lazy var scheduler = BundleScheduler(settleNanoseconds: 10_000_000_000, watchNanoseconds: 60_000_000_000, content: BundleWorker.content) { [unowned self] alert, now in
            builds += 1
            return IncidentBundle(alert: alert, windowStart: alert.startsAt, windowEnd: alert.endsAt ?? now, traces: [],
                                  candidates: candidates, unlinkedLogs: [], diagnostics: [], measure: .endToEnd)
        }
    }

    @Test func aResolvedAlertIsDueOnceItsWindowClosedAndSettled() throws {
        let fake = Fake()
        fake.scheduler.observe(alert(endsAt: 100), at: time(50))
        #expect(fake.scheduler.tick(now: time(105), generation: 1).isEmpty, "window closed 5 s ago, settle is 10 s")
        let first = fake.scheduler.tick(now: time(110), generation: 1)
        #expect(first.map(\.revision) == [0])
        #expect(fake.scheduler.tick(now: time(111), generation: 1).isEmpty, "written once")
    }

    @Test func aFiringAlertSettlesFromItsLatestNotification() throws {
        let fake = Fake()
        fake.scheduler.observe(alert(), at: time(30))
        #expect(fake.scheduler.tick(now: time(39), generation: 0).isEmpty)
        #expect(fake.scheduler.tick(now: time(40), generation: 0).count == 1)
        // Its resolution changes the bundle (it now has an end): revision 1 once that settles.
        fake.scheduler.observe(alert(endsAt: 60), at: time(62))
        #expect(fake.scheduler.tick(now: time(70), generation: 0).isEmpty)
        let resolved = fake.scheduler.tick(now: time(72), generation: 0)
        #expect(resolved.map(\.revision) == [1])
        #expect(resolved.first?.alert.status == .resolved)
    }

    @Test func lateDataMakesANewRevisionOnlyWhenTheBundleChanges() throws {
        let fake = Fake()
        fake.scheduler.observe(alert(endsAt: 0), at: time(0))
        #expect(fake.scheduler.tick(now: time(10), generation: 1).count == 1)
        // New data that does not change the bundle: rebuilt after a settle delay, not written.
        #expect(fake.scheduler.tick(now: time(15), generation: 2).isEmpty)
        #expect(fake.builds == 1, "at most one rebuild per settle delay")
        #expect(fake.scheduler.tick(now: time(20), generation: 2).isEmpty)
        #expect(fake.builds == 2)
        // New data that does.
        fake.candidates = 3
        #expect(fake.scheduler.tick(now: time(30), generation: 2).isEmpty, "no new data, no rebuild")
        let late = fake.scheduler.tick(now: time(31), generation: 3)
        #expect(late.map(\.revision) == [1])
        #expect(late.first?.candidates == 3)
    }

    @Test func aResolvedAlertIsForgottenAfterTheWatch() throws {
        let fake = Fake()
        fake.scheduler.observe(alert(endsAt: 0), at: time(0))
        _ = fake.scheduler.tick(now: time(10), generation: 0)
        #expect(fake.scheduler.count == 1)
        _ = fake.scheduler.tick(now: time(70), generation: 0)
        #expect(fake.scheduler.count == 0, "memory holds only recent alerts")
        // A firing one is kept while it fires.
        fake.scheduler.observe(alert(fingerprint: "00000000000000bb"), at: time(0))
        _ = fake.scheduler.tick(now: time(10_000), generation: 0)
        #expect(fake.scheduler.count == 1)
    }

    @Test func theFinalTickWritesEveryAlertAtOnce() throws {
        let fake = Fake()
        fake.scheduler.observe(alert(endsAt: 100), at: time(0))
        fake.scheduler.observe(alert(fingerprint: "00000000000000bb"), at: time(0))
        let bundles = fake.scheduler.tick(now: time(1), generation: 0, final: true)
        #expect(bundles.count == 2)
        #expect(bundles.allSatisfy { $0.revision == 0 })
    }
}
