#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An input that could not be opened or read.
public struct InputError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let errno: Int32
    public let operation: String

    public init(path: String, errno: Int32, operation: String) {
        self.path = path
        self.errno = errno
        self.operation = operation
    }

    public var description: String {
        "cannot \(operation) '\(path)': \(String(cString: strerror(errno)))"
    }
}
