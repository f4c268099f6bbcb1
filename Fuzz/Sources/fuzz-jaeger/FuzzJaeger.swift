// Jaeger query API JSON ({"data":[{traceID, spans, processes}]}, or one trace object) straight
// into JaegerDecoder, whatever the document looks like otherwise (SpanDocumentDecoder would
// send most mutations to another decoder), then the spans' stored form
// (SQLiteEventStore.insert(spans:)).
import CorrelateDecode
import CorrelateJSON
import CorrelateModel
import CorrelateStore

nonisolated(unsafe) var keep = 0

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let document = try? JSONDocument.parse(UnsafeBufferPointer(start: data, count: size)) else { return 0 }
    let traces = document["data"]?.array ?? document.array ?? [document]
    let decoded = JaegerDecoder.decode(traces)
    keep &+= SQLiteEventStore.prepare(decoded.spans).count &+ decoded.rejected
    return 0
}
