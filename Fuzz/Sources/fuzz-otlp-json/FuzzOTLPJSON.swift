// An OTLP/HTTP JSON body, as `correlate serve` handles it (CorrelateServer.traces and .logs):
// parsed once by JSONDocument, then decoded both as an ExportTraceServiceRequest (spans and
// their stored form) and as an ExportLogsServiceRequest. The decoders are called whatever the
// document holds (the server first checks for resourceSpans; a public decoder must not trap
// on any document either way).
import CorrelateDecode
import CorrelateJSON
import CorrelateModel
import CorrelateStore

nonisolated(unsafe) var keep = 0

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let document = try? JSONDocument.parse(UnsafeBufferPointer(start: data, count: size)) else { return 0 }
    let decoded = OTLPJSONDecoder.decode(document)
    keep &+= SQLiteEventStore.prepare(decoded.spans).count &+ decoded.rejected
    if let records = try? OTLPLogsJSONDecoder.decode(document) { keep &+= records.count }
    return 0
}
