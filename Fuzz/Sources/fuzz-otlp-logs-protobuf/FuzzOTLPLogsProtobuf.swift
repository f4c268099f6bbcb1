// An OTLP/HTTP protobuf ExportLogsServiceRequest body, as `correlate serve` handles it
// (CorrelateServer.logs): log records through the generated message types.
import CorrelateModel
import CorrelateOTLP
import Foundation

nonisolated(unsafe) var keep = 0

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = Data(UnsafeBufferPointer(start: data, count: size))
    guard let records = try? OTLPProtobufDecoder.decodeLogs(body) else { return 0 }
    keep &+= records.count
    return 0
}
