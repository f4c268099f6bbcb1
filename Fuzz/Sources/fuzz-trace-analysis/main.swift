// OTLP JSON spans into the engine, as `lookup`, `trace` and `queues` use it: every trace of the
// document (up to 16) analysed with all the others as its related spans (job ids, span links),
// with an error log line per span whose text is the span's status message or name (so the
// exception reader sees arbitrary text), rendered as the bundle's trace object and as the
// terminal waterfall (one line per record and `--full`, at a width from 40 to 167 columns taken
// from the input: a line wider than the width, but for a URL, traps); then the queue statistics
// of all the spans. The engine must not trap or hang on any span graph: parent cycles, self
// links, a consumer that is its own producer, clock skew, huge or negative times.
import CorrelateDecode
import CorrelateEngine
import CorrelateJSON
import CorrelateModel
import CorrelateRender

nonisolated(unsafe) var keep = 0

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let document = try? JSONDocument.parse(UnsafeBufferPointer(start: data, count: size)) else { return 0 }
    let spans = Array(OTLPJSONDecoder.decode(document).spans.prefix(2_000))
    guard let start = spans.map(\.start).min(), let end = spans.map(\.end).max() else { return 0 }
    var byTrace: [TraceID: [Span]] = [:]
    for span in spans { byTrace[span.traceID, default: []].append(span) }
    for (id, own) in byTrace.sorted(by: { $0.key < $1.key }).prefix(16) {
        let logs = own.enumerated().map { index, span in
            LogRecord(source: SourceLocation(file: "fuzz.log", line: index + 1), timestamp: span.end, traceID: id,
                      spanID: span.spanID, jobID: span.messageID, severity: .error, message: span.statusMessage ?? span.name)
        }
        let analysis = TraceAnalyzer.analyze(TraceAnalyzer.Input(
            traceID: id, spans: own, relatedSpans: spans.filter { $0.traceID != id }, traceLogs: logs))
        let out = JSONWriter()
        TraceJSON.write(analysis, to: out)
        keep &+= out.bytes.count
        let width = RenderOptions.minimumWidth + size % 128
        for full in [false, true] {
            let text = TerminalWaterfall(options: RenderOptions(width: width, full: full, logsPerSpan: 3)).render(analysis)
            for line in text.split(separator: "\n") where !line.contains("://") {
                precondition(TextLayout.cells(line) <= width, "a line of \(TextLayout.cells(line)) cells at width \(width): \(line)")
            }
            keep &+= text.utf8.count
        }
    }
    let until = Timestamp(nanoseconds: end.nanoseconds == .max ? end.nanoseconds : end.nanoseconds + 1)
    for statistics in QueueReport.statistics(of: spans, from: start, to: until) {
        let out = JSONWriter()
        QueueJSON.write(statistics, to: out)
        keep &+= out.bytes.count
    }
    return 0
}
