#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import CorrelateDecode
public import CorrelateModel
import CorrelateOTLP
public import CorrelateSources
import Foundation
import CorrelateJSON

/// Span files as `ingest` and `run` read them: one document per line (NDJSON of export
/// requests or span lists), or one whole document (pretty-printed JSON, OTLP protobuf).
public enum SpanFiles {
    /// What one line of a span file holds.
    enum Line {
        case decoded(DecodedSpans)
        case malformed(String)
        /// The line opens a JSON document that goes on over further lines.
        case unfinishedDocument
    }

    /// Decodes one line of a span file; nil for a blank line.
    static func decodeLine(_ bytes: UnsafeBufferPointer<UInt8>) -> Line? {
        guard bytes.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { return nil }
        do {
            return .decoded(try SpanDocumentDecoder.decode(try JSONDocument.parse(bytes)))
        } catch let error as JSONDocument.SyntaxError {
            return error.reason.contains("end of JSON") ? .unfinishedDocument : .malformed("not JSON: \(error)")
        } catch let error as SpanDecodingError {
            return .malformed(error.reason)
        } catch {
            return .malformed("\(error)")
        }
    }

    /// The lines of one span file, read one at a time: documents decoded and counted into an
    /// ``IngestSummary``, malformed ones recorded there with their location.
    public struct LineByLine {
        /// Documents decoded and lines that failed, since the start (or ``restart()``).
        public private(set) var documents = 0
        public private(set) var failures = 0

        public init() {}

        /// What one line gave.
        public enum Taken {
            case spans([Span])
            /// Nothing to store: a blank or malformed line.
            case nothing
            /// The file's first line opens a document that goes on over further lines
            /// (pretty-printed JSON): read the file whole instead (``readWhole(path:name:binary:)``).
            case wholeDocument
        }

        /// Decodes the line at `location`; `wholeAllowed`: whether the file may still turn out
        /// to be one document (nothing decoded or failed yet, and it is the file's first
        /// generation).
        public mutating func take(_ bytes: UnsafeBufferPointer<UInt8>, at location: SourceLocation, wholeAllowed: Bool = true,
                                  into summary: inout IngestSummary) -> Taken {
            switch decodeLine(bytes) {
            case nil:
                return .nothing
            case .decoded(let decoded):
                documents += 1
                summary.count(decoded)
                return .spans(decoded.spans)
            case .unfinishedDocument where documents == 0 && failures == 0 && wholeAllowed:
                return .wholeDocument
            case .unfinishedDocument:
                failures += 1
                summary.malformed.append(InputProblem(location, "not JSON: a document that does not end on its line"))
                return .nothing
            case .malformed(let reason):
                failures += 1
                summary.malformed.append(InputProblem(location, reason))
                return .nothing
            }
        }

        /// The file was replaced (rotated, truncated): count from nothing again.
        public mutating func restart() {
            documents = 0
            failures = 0
        }
    }

    /// What a whole-document span file held.
    public enum Whole {
        case decoded(DecodedSpans)
        case malformed(InputProblem)
        case unreadable(InputError)
    }

    /// Reads the file at `path` as one document: OTLP protobuf when `binary`, else JSON (OTLP,
    /// Jaeger, Zipkin v2, detected). `name` is how problems name the file.
    public static func readWhole(path: String, name: String, binary: Bool) -> Whole {
        guard let data = FileManager.default.contents(atPath: path) else {
            return .unreadable(InputError(path: path, errno: errno, operation: "read"))
        }
        let start = SourceLocation(file: name, line: 1)
        if binary {
            do {
                let (spans, rejected) = try OTLPProtobufDecoder.decodeTraces(data)
                var decoded = DecodedSpans(format: .otlpProtobuf)
                decoded.spans = spans
                decoded.rejected = rejected
                return .decoded(decoded)
            } catch {
                return .malformed(InputProblem(start, "not an OTLP protobuf ExportTraceServiceRequest: \(error)"))
            }
        }
        do {
            let document = try data.withUnsafeBytes { raw in
                try JSONDocument.parse(raw.bindMemory(to: UInt8.self))
            }
            return .decoded(try SpanDocumentDecoder.decode(document))
        } catch let error as JSONDocument.SyntaxError {
            return .malformed(InputProblem(start, "not JSON: \(error)"))
        } catch let error as SpanDecodingError {
            return .malformed(InputProblem(start, error.reason))
        } catch {
            return .malformed(InputProblem(start, "\(error)"))
        }
    }

    /// Protobuf, not JSON: the first 4 KiB hold control bytes other than tab, CR and LF (field
    /// tags and lengths), which JSON text never does.
    public static func looksBinary(_ path: String) -> Bool {
        guard let file = fopen(path, "rb") else { return false }
        defer { fclose(file) }
        var head = [UInt8](repeating: 0, count: 4096)
        let count = fread(&head, 1, head.count, file)
        return head[0..<count].contains { $0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }
    }
}
