#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An input that could not be opened or read, or whose data stops making sense part of the way
/// (damaged compressed data): then ``line`` says how far it was read.
public struct InputError: Error, Sendable, CustomStringConvertible {
    /// The input as the user named it.
    public let path: String
    /// The system's error number; 0 when ``reason`` says what is wrong.
    public let errno: Int32
    public let operation: String
    /// What is wrong with the data, when the system reported nothing (damaged compressed data,
    /// a directory with no file to read).
    public let reason: String?
    /// The 1-based line reading stopped at: the lines before it were read and kept.
    public var line: Int?

    public init(path: String, errno: Int32, operation: String) {
        self.path = path
        self.errno = errno
        self.operation = operation
        self.reason = nil
        self.line = nil
    }

    /// A problem in the data itself (`reason` is one sentence, without the path).
    public init(path: String, reason: String, line: Int? = nil) {
        self.path = path
        self.errno = 0
        self.operation = "read"
        self.reason = reason
        self.line = line
    }

    /// The same error, at `line` (when the data is what is wrong).
    public func at(line: Int) -> InputError {
        var copy = self
        if reason != nil { copy.line = line }
        return copy
    }

    public var description: String {
        guard let reason else { return "cannot \(operation) '\(path)': \(String(cString: strerror(errno)))" }
        guard let line else { return "cannot \(operation) '\(path)': \(reason)" }
        let before = line <= 1 ? "nothing before it was read"
            : line == 2 ? "the line before it was read" : "the \(line - 1) lines before it were read"
        return "\(path):\(line): \(reason); \(before)"
    }
}
