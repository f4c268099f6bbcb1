// An OTLP/HTTP protobuf ExportTraceServiceRequest body, as `correlate serve` handles it
// (CorrelateServer.traces): spans read from the wire format, then their stored form. And as
// `correlate ingest` reads a large request file (SpanFiles.readProtobuf): in two parts, split
// where the input's size says, which must give what the whole decode gives — the same spans,
// rejections and first rejection, or a failure in some part when the whole decode fails.
import CorrelateDecode
import CorrelateModel
import CorrelateStore
import CorrelateOTLP

nonisolated(unsafe) var keep = 0

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let whole = try? OTLPProtobufDecoder.decode(bytes)
    if let messages = try? OTLPProtobufDecoder.SpanMessages(bytes) {
        let spans = messages.spans
        let split = spans.lowerBound + size % (spans.count + 1)
        var parts: DecodedSpans? = DecodedSpans(format: .otlpProtobuf)
        var decoded: [Span] = []
        for range in [spans.lowerBound..<split, split..<spans.upperBound] {
            guard var part = try? messages.decode(range, in: bytes) else {
                parts = nil
                break
            }
            decoded += part.takeSpans()
            parts?.add(part)
        }
        if let whole {
            // Compared as text: a NaN attribute is not equal to itself.
            guard let parts, "\(decoded)" == "\(whole.spans)", parts.rejected == whole.rejected,
                  parts.firstRejection == whole.firstRejection else {
                fatalError("the parts of a request decode otherwise than the whole request")
            }
        } else if parts != nil {
            fatalError("the parts of a request decode where the whole request does not")
        }
    } else if whole != nil {
        fatalError("a request decodes whole but its span messages are not found")
    }
    guard let whole else { return 0 }
    keep &+= SQLiteEventStore.prepare(whole.spans).count &+ whole.rejected
    return 0
}
