// Alert payloads: a webhook body as `correlate serve` decodes it (JSONDocument.parse, then
// AlertDecoder: Alertmanager and Grafana webhooks, Alertmanager API v2), and an alerts file as
// `correlate ingest --alerts` / `run --alerts` read it (AlertFiles.decode: one document, or
// one per line).
import CorrelateDecode
import CorrelateModel
import CorrelatePipeline

nonisolated(unsafe) var keep = 0

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    if let document = try? JSONDocument.parse(bytes), let decoded = try? AlertDecoder.decode(document) {
        keep &+= decoded.alerts.count &+ decoded.problems.count
    }
    let file = AlertFiles.decode(String(decoding: bytes, as: UTF8.self), name: "fuzz.json")
    keep &+= file.alerts.count &+ file.problems.count
    return 0
}
