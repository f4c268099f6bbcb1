// Zipkin v2 JSON (an array of spans) straight into ZipkinDecoder — an object is taken as a
// one-span array, so every mutation reaches the span reader — then the spans' stored form
// (SQLiteEventStore.insert(spans:)). `ingest --spans` gets here through SpanDocumentDecoder.
import CorrelateDecode
import CorrelateJSON
import CorrelateModel
import CorrelateStore

nonisolated(unsafe) var keep = 0

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let document = try? JSONDocument.parse(UnsafeBufferPointer(start: data, count: size)) else { return 0 }
    let decoded = ZipkinDecoder.decode(document.array ?? [document])
    keep &+= SQLiteEventStore.prepare(decoded.spans).count &+ decoded.rejected
    return 0
}
