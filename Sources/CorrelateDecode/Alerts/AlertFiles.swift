#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import CorrelateModel
import Foundation
import CorrelateJSON

/// Reads alert payloads from a file: one JSON document (a webhook body, an API list), or one
/// per line.
public enum AlertFiles {
    public struct Result: Sendable {
        public var alerts: [Alert] = []
        /// Payloads or alerts left out, with file, line and why.
        public var problems: [InputProblem] = []
        public var payloads = 0
    }

    public static func read(_ path: String) throws -> Result {
        let name = path == "-" ? SourceLocation.stdinName : path
        guard let data = path == "-" ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: path) else {
            throw InputFileError(path: path, reason: String(cString: strerror(errno == 0 ? ENOENT : errno)))
        }
        return decode(String(decoding: data, as: UTF8.self), name: name)
    }

    /// Decodes `text` as one payload, or as one payload per line; `firstLine` is the line number
    /// of its first line in `name` (for text appended to a followed file).
    public static func decode(_ text: String, name: String, firstLine: Int = 1) -> Result {
        var result = Result()
        func add(_ document: JSONDocument, line: Int) {
            result.payloads += 1
            do {
                let decoded = try AlertDecoder.decode(document)
                result.alerts += decoded.alerts
                result.problems += decoded.problems.map { InputProblem(SourceLocation(file: name, line: line), $0) }
            } catch {
                result.problems.append(InputProblem(SourceLocation(file: name, line: line), error.reason))
            }
        }
        if let document = try? JSONDocument.parse(text) {
            add(document, line: firstLine)
            return result
        }
        for (index, line) in text.splitLines().enumerated()
        where !line.allSatisfy(\.isWhitespace) {
            do {
                add(try JSONDocument.parse(String(line)), line: firstLine + index)
            } catch {
                result.problems.append(InputProblem(SourceLocation(file: name, line: firstLine + index), "not JSON: \(error)"))
            }
        }
        return result
    }
}
