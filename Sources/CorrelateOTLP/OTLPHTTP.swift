public import CorrelateDecode
import CorrelateJSON
public import CorrelateModel
import Foundation

/// OTLP/HTTP as a receiver speaks it (opentelemetry-proto, `docs/specification.md`,
/// "OTLP/HTTP"): export request bodies decoded in either encoding, and the answers — success,
/// partial success, and the `google.rpc.Status` of an error — written in the request's.
public enum OTLPHTTP {
    /// The body's encoding, from its media type.
    public enum Encoding: Sendable, Equatable {
        /// `application/x-protobuf` (and `application/protobuf`).
        case protobuf
        /// `application/json`: protobuf's JSON mapping, ids as hex.
        case json

        /// The encoding of a `Content-Type` value (parameters and case ignored); nil for a
        /// type OTLP/HTTP does not use.
        public init?(contentType: String?) {
            let value = contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
            switch value {
            case "application/x-protobuf", "application/protobuf": self = .protobuf
            case "application/json": self = .json
            default: return nil
            }
        }

        /// The media type of answers in this encoding.
        public var contentType: String {
            switch self {
            case .protobuf: "application/x-protobuf"
            case .json: "application/json"
            }
        }
    }

    /// A body that is not the export request it was sent as; `reason` says why, whole.
    public struct DecodingError: Error, Sendable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    /// An `ExportTraceServiceRequest`: its spans, and how many were left out (an invalid or
    /// all-zero trace or span id).
    public static func decodeTraces(_ bytes: [UInt8], _ encoding: Encoding) throws(DecodingError) -> (spans: [Span], rejected: Int) {
        let decoded = try decodeSpans(bytes, encoding)
        return (decoded.spans, decoded.rejected)
    }

    /// The same, with why the first span left out was (``DecodedSpans/firstRejection``).
    public static func decodeSpans(_ bytes: [UInt8], _ encoding: Encoding) throws(DecodingError) -> DecodedSpans {
        do {
            switch encoding {
            case .protobuf:
                return try bytes.withUnsafeBytes { try OTLPProtobufDecoder.decode($0) }
            case .json:
                if let direct = bytes.withUnsafeBufferPointer({ OTLPJSONDirectDecoder.decode($0) }) { return direct }
                let document = try bytes.withUnsafeBufferPointer { try JSONDocument.parse($0) }
                guard document["resourceSpans"] != nil || document["resource_spans"] != nil || document.members?.isEmpty == true else {
                    throw DecodingError(reason: "not an ExportTraceServiceRequest: no resourceSpans")
                }
                return OTLPJSONDecoder.decode(document)
            }
        } catch let error as DecodingError {
            throw error
        } catch {
            throw DecodingError(reason: "cannot decode the ExportTraceServiceRequest: \(error)")
        }
    }

    /// An `ExportLogsServiceRequest`'s log records (no source location yet).
    public static func decodeLogs(_ bytes: [UInt8], _ encoding: Encoding) throws(DecodingError) -> [LogRecord] {
        do {
            switch encoding {
            case .protobuf:
                return try OTLPProtobufDecoder.decodeLogs(Data(bytes))
            case .json:
                let document = try bytes.withUnsafeBufferPointer { try JSONDocument.parse($0) }
                return try OTLPLogsJSONDecoder.decode(document)
            }
        } catch {
            throw DecodingError(reason: "cannot decode the ExportLogsServiceRequest: \(error)")
        }
    }

    /// The `ExportTraceServiceResponse`: empty, or a partial success saying how many spans
    /// were rejected and why.
    public static func tracesResponse(rejected: Int, _ encoding: Encoding) -> [UInt8] {
        let message = rejected > 0 ? "\(rejected) span(s) with an invalid or all-zero trace or span id" : ""
        switch encoding {
        case .protobuf:
            return Array(OTLPResponses.traces(rejected: rejected, message: message))
        case .json:
            guard rejected > 0 else { return Array("{}".utf8) }
            let out = JSONWriter(capacity: 128)
            out.raw(#"{"partialSuccess":{"rejectedSpans":"#)
            // int64 in protobuf's JSON mapping is a string.
            out.string(String(rejected))
            out.raw(#","errorMessage":"#)
            out.string(message)
            out.raw("}}")
            return out.bytes
        }
    }

    /// The `ExportLogsServiceResponse` of a full success.
    public static func logsResponse(_ encoding: Encoding) -> [UInt8] {
        switch encoding {
        case .protobuf: Array(OTLPResponses.logs(rejected: 0, message: ""))
        case .json: Array("{}".utf8)
        }
    }

    /// The `google.rpc.Status` an error response carries, its code the gRPC code of the HTTP
    /// status (``grpcCode(httpStatus:)``).
    public static func status(httpStatus: Int, message: String, _ encoding: Encoding) -> [UInt8] {
        let code = grpcCode(httpStatus: httpStatus)
        switch encoding {
        case .protobuf:
            return Array(OTLPResponses.status(code: code, message: message))
        case .json:
            let out = JSONWriter(capacity: message.utf8.count + 32)
            out.raw(#"{"code":"#)
            out.int(Int(code))
            out.raw(#","message":"#)
            out.string(message)
            out.byte(UInt8(ascii: "}"))
            return out.bytes
        }
    }

    /// 400 → INVALID_ARGUMENT (3), 413 → RESOURCE_EXHAUSTED (8), 503 → UNAVAILABLE (14),
    /// anything else → INTERNAL (13).
    public static func grpcCode(httpStatus: Int) -> Int32 {
        switch httpStatus {
        case 400: 3
        case 413: 8
        case 503: 14
        default: 13
        }
    }
}
