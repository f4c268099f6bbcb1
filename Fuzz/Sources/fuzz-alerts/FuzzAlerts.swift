// Alert payloads: a webhook body as `correlate serve` decodes it (JSONDocument.parse, then
// AlertDecoder: Alertmanager and Grafana webhooks, Alertmanager API v2), and an alerts file as
// `correlate ingest --alerts` / `run --alerts` read it (AlertFiles.decode: one document, or
// one per line). Then what run and serve do with the alerts: the bundle scheduler (settle and
// watch times added to the alert's, at the ends of the range too) builds each one's bundle with
// the shipped alert rules over a small store of two jobs (windows, baselines, queue figures,
// measures from the generatorURL), rendered as JSON and Markdown.
import CorrelateDecode
import CorrelateEngine
import CorrelateExtract
import CorrelateJSON
import CorrelateModel
import CorrelatePipeline
import CorrelateRender
import CorrelateStore
import Foundation

nonisolated(unsafe) var keep = 0

/// A store of two jobs on queue `emails` (one linked across traces, one failed), made once.
nonisolated(unsafe) let builder: BundleBuilder? = {
    let path = NSTemporaryDirectory() + "/fuzz-alerts-\(getpid()).db"
    try? FileManager.default.removeItem(atPath: path)
    guard let store = try? SQLiteEventStore(path: path), let rules = try? AlertRules.load(RuleLoader.shippedSources()) else { return nil }
    let t0: Int64 = 1_768_384_800_000_000_000
    let queue = [Attribute("messaging.destination.name", .string("emails")), Attribute("messaging.message.id", .string("m-1"))]
    let producer = TraceID(hex: "ba634a143d1c89db9e2abe586553a831")!, consumer = TraceID(hex: "efabe8835c0b4d1e9a7f2c3b4d5e6f70")!
    let spans = [
        Span(traceID: producer, spanID: SpanID(hex: "5ae2da6f38c69619")!, name: "emails publish", kind: .producer,
             start: Timestamp(nanoseconds: t0 - 5_000_000), end: Timestamp(nanoseconds: t0), service: "api", attributes: queue),
        Span(traceID: consumer, spanID: SpanID(hex: "7c41d0e2b9a85f13")!, name: "emails process", kind: .consumer,
             start: Timestamp(nanoseconds: t0 + 3_000_000_000), end: Timestamp(nanoseconds: t0 + 3_500_000_000), status: .error,
             statusMessage: "KeyError: 'to'", service: "mailer", attributes: queue,
             links: [Span.Link(traceID: producer, spanID: SpanID(hex: "5ae2da6f38c69619")!)]),
    ]
    _ = try? store.insert(spans: spans)
    return BundleBuilder(store: store, rules: rules, limit: 3, lookback: nil)
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    if let document = try? JSONDocument.parse(bytes), let decoded = try? AlertDecoder.decode(document) {
        keep &+= decoded.alerts.count &+ decoded.problems.count
    }
    let file = AlertFiles.decode(String(decoding: bytes, as: UTF8.self), name: "fuzz.json")
    keep &+= file.alerts.count &+ file.problems.count
    guard let builder, !file.alerts.isEmpty else { return 0 }
    let scheduler = BundleScheduler(settleNanoseconds: 10_000_000_000, watchNanoseconds: 3_600_000_000_000, maxWatched: 8,
                                   content: BundleWorker.content) { alert, now in
        try builder.bundle(for: alert, now: now)
    }
    for alert in file.alerts.prefix(4) {
        scheduler.observe(alert, at: alert.startsAt)
        if let end = alert.endsAt { scheduler.observe(alert, at: end) }
    }
    for now in [Timestamp(nanoseconds: 1_768_384_900_000_000_000), Timestamp(nanoseconds: .max), Timestamp(nanoseconds: .min)] {
        for bundle in scheduler.tick(now: now, generation: 1) {
            keep &+= BundleJSON.string(bundle).utf8.count &+ BundleMarkdown.render(bundle).utf8.count
        }
    }
    for bundle in scheduler.tick(now: Timestamp(nanoseconds: 1_768_384_900_000_000_000), generation: 2, final: true) {
        keep &+= BundleJSON.string(bundle).utf8.count
    }
    return 0
}
