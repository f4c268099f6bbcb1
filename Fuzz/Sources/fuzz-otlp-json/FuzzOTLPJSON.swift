// An OTLP/HTTP JSON body, as `correlate serve` handles it: through OTLPHTTP, the decoding the
// routes call (the shape check, then the spans), the spans' stored form, and the answer
// written; then the same document through the decoders directly, whatever it holds (a public
// decoder must not trap on any document either way), and as an ExportLogsServiceRequest. The
// direct reader (OTLPJSONDirectDecoder) must give what the tree decoder gives whenever it reads
// a document at all: a difference traps, as a finding.
import CorrelateDecode
import CorrelateJSON
import CorrelateModel
import CorrelateOTLP
import CorrelateStore

nonisolated(unsafe) var keep = 0

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let (spans, rejected) = try? OTLPHTTP.decodeTraces(bytes, .json) {
        keep &+= SQLiteEventStore.prepare(spans).count &+ OTLPHTTP.tracesResponse(rejected: rejected, .json).count
    }
    if let records = try? OTLPHTTP.decodeLogs(bytes, .json) { keep &+= records.count }
    let direct = OTLPJSONDirectDecoder.decode(UnsafeBufferPointer(start: data, count: size))
    guard let document = try? JSONDocument.parse(UnsafeBufferPointer(start: data, count: size)) else {
        precondition(direct == nil, "the direct reader read what the tree parser refuses")
        return 0
    }
    if let direct {
        let tree = try? SpanDocumentDecoder.decode(document)
        precondition(tree?.spans == direct.spans && tree?.rejected == direct.rejected
                     && tree?.firstRejection == direct.firstRejection, "the direct reader and the tree differ")
    }
    let decoded = OTLPJSONDecoder.decode(document)
    keep &+= SQLiteEventStore.prepare(decoded.spans).count &+ decoded.rejected
    return 0
}
