// A span document in Zipkin v2 JSON (an array of spans), as `correlate ingest --spans` reads
// a span file (IngestPipeline: JSONDocument.parse, then SpanDocumentDecoder, which detects
// the format per document), then the spans' stored form (SQLiteEventStore.insert(spans:)).
// The seed corpus holds this format; the decoding entry is the one every JSON span format
// goes through.
import CorrelateDecode
import CorrelateModel

nonisolated(unsafe) var keep = 0

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let document = try? JSONDocument.parse(UnsafeBufferPointer(start: data, count: size)),
          let decoded = try? SpanDocumentDecoder.decode(document)
    else { return 0 }
    keep &+= StoredSpan.rows(decoded.spans).count &+ decoded.rejected
    return 0
}
