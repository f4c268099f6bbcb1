// An OTLP/HTTP protobuf ExportTraceServiceRequest body, as `correlate serve` handles it
// (CorrelateServer.traces): spans read from the wire format, then their stored form.
import CorrelateModel
import CorrelateStore
import CorrelateOTLP

nonisolated(unsafe) var keep = 0

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    guard let (spans, rejected) = try? OTLPProtobufDecoder.decodeTraces(bytes) else { return 0 }
    keep &+= SQLiteEventStore.prepare(spans).count &+ rejected
    return 0
}
