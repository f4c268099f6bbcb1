import Foundation
import Testing
import CorrelateModel
import CorrelateExtract
import CorrelateStore
import CorrelatePipeline
import CorrelateRender
import CorrelateTestSupport

/// Alerts from setups the traces were not made for: labels are evidence, not filters.
@Suite struct AlertEvidenceTests {
    /// 10:00:00 on 2026-01-14, in nanoseconds.
    static let base: Int64 = 1_768_384_800_000_000_000
    static let second: Int64 = 1_000_000_000

    /// One job: a PRODUCER span of `api` at `enqueued` seconds, and its CONSUMER span in
    /// `service`, `wait` seconds later, running `run` seconds, both naming `queue`.
    static func job(_ number: Int, queue: String, service: String, enqueued: Double, wait: Double, run: Double) -> [Span] {
        let trace = TraceID(hex: String(format: "%032x", 0xabc000 + number))!
        let producer = SpanID(hex: String(format: "%016x", 0x1000 + number))!
        let consumer = SpanID(hex: String(format: "%016x", 0x2000 + number))!
        let start = base + Int64(enqueued * 1e9)
        let queueAttributes = [Attribute("messaging.destination.name", .string(queue)),
                               Attribute("messaging.message.id", .string("message-\(number)"))]
        return [
            Span(traceID: trace, spanID: producer, name: "\(queue) publish", kind: .producer,
                 start: Timestamp(nanoseconds: start), end: Timestamp(nanoseconds: start + 2_000_000),
                 service: "api", attributes: queueAttributes, resource: [Attribute("service.name", .string("api"))]),
            Span(traceID: trace, spanID: consumer, parentSpanID: producer, name: "\(queue) process", kind: .consumer,
                 start: Timestamp(nanoseconds: start + Int64(wait * 1e9)),
                 end: Timestamp(nanoseconds: start + Int64((wait + run) * 1e9)),
                 service: service, attributes: queueAttributes, resource: [Attribute("service.name", .string(service))]),
        ]
    }

    /// A new store of `kind` holding the spans of `jobs`.
    static func store(_ jobs: [[Span]], _ kind: StoreKind) throws -> EventStore {
        let store = try kind.makeStore()
        _ = try store.insert(spans: jobs.flatMap { $0 })
        return store
    }

    static func alert(_ labels: [(String, String)], annotations: [(String, String)] = []) -> Alert {
        Alert(name: labels.first { $0.0 == "alertname" }?.1 ?? "", fingerprint: "00000000000000aa", status: .firing,
              labels: labels, annotations: annotations,
              startsAt: Timestamp(nanoseconds: base + 60 * second), endsAt: Timestamp(nanoseconds: base + 120 * second),
              source: "test")
    }

    /// A consumer-lag alert carries Prometheus target labels that name the exporter: it still
    /// finds the queue's jobs, and says which labels it ignored.
    @Test(arguments: StoreKind.allCases)
    func aTargetLabelNamingTheExporterDoesNotEmptyTheAnswer(_ kind: StoreKind) throws {
        var jobs: [[Span]] = []
        for number in 0..<3 { jobs.append(Self.job(number, queue: "emails", service: "mailer", enqueued: 10 + Double(number), wait: 2 + Double(number), run: 0.1)) }
        for number in 3..<6 { jobs.append(Self.job(number, queue: "invoices", service: "billing", enqueued: 20 + Double(number), wait: 0.01, run: 5)) }
        let store = try Self.store(jobs, kind)
        let rules = try AlertRules.load(RuleLoader.shippedSources())
        let alert = Self.alert([("alertname", "ConsumerLagHigh"), ("queue", "emails"), ("service", "mailer"),
                                ("job", "kafka-exporter"), ("instance", "kafka-0:9308"), ("severity", "page")])
        let bundle = try BundleBuilder(store: store, rules: rules, limit: 10, lookback: nil).bundle(for: alert)
        let emails = Set((0..<3).map { String(format: "%032x", 0xabc000 + $0) })
        #expect(Set(bundle.traces.map(\.analysis.traceID.description)) == emails)
        let ignored = bundle.diagnostics.filter { $0.code == "label_ignored" }.map(\.message)
        #expect(ignored.contains { $0.contains("job=kafka-exporter") && $0.contains("ignored") })
        #expect(ignored.contains { $0.contains("instance=kafka-0:9308") })
        #expect(!bundle.diagnostics.contains { $0.code == "no_matching_trace" })
        #expect(try JSONSchema.bundle().validate(BundleJSON.string(bundle)).isEmpty)
    }

    /// Each label a trace matches adds to its score: a job on the alert's queue and service
    /// outranks one on its queue only, though that one waited longer.
    @Test(arguments: StoreKind.allCases)
    func moreLabelsMatchedRankHigher(_ kind: StoreKind) throws {
        let store = try Self.store([
            Self.job(0, queue: "emails", service: "newsletter", enqueued: 10, wait: 9, run: 0.1),
            Self.job(1, queue: "emails", service: "mailer", enqueued: 11, wait: 1, run: 0.1),
        ], kind)
        let rules = try AlertRules.load(RuleLoader.shippedSources())
        let alert = Self.alert([("alertname", "ConsumerLagHigh"), ("queue", "emails"), ("service", "mailer")])
        let bundle = try BundleBuilder(store: store, rules: rules, limit: 10, lookback: nil).bundle(for: alert)
        #expect(bundle.traces.map(\.analysis.traceID.description) == [String(format: "%032x", 0xabc001), String(format: "%032x", 0xabc000)])
        #expect(bundle.traces.allSatisfy { $0.reasons.contains("label_match") })
    }

    /// Only when no label matches at all is the answer empty, and it names the labels tried.
    @Test(arguments: StoreKind.allCases)
    func noLabelMatchingEmptiesTheAnswerAndSaysWhatWasTried(_ kind: StoreKind) throws {
        let store = try Self.store([Self.job(0, queue: "emails", service: "mailer", enqueued: 10, wait: 1, run: 0.1)], kind)
        let rules = try AlertRules.load(RuleLoader.shippedSources())
        let alert = Self.alert([("alertname", "ConsumerLagHigh"), ("queue", "sms"), ("job", "kafka-exporter")])
        let bundle = try BundleBuilder(store: store, rules: rules, limit: 10, lookback: nil).bundle(for: alert)
        #expect(bundle.traces.isEmpty)
        let empty = try #require(bundle.diagnostics.first { $0.code == "no_matching_trace" })
        #expect(empty.message.contains("queue=sms") && empty.message.contains("job=kafka-exporter"))
    }
}
