#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes bytes to a file descriptor with `write(2)`, retrying short writes. A closed reader
/// (`EPIPE`, as in `correlate extract | head`) is reported once through ``isClosed`` and is not
/// an error.
public final class ByteOutput: @unchecked Sendable {
    // Unchecked: used by one thread at a time (the pipeline that owns it).
    private let fd: Int32
    public private(set) var isClosed = false
    public private(set) var errorNumber: Int32 = 0

    public init(descriptor: Int32) {
        self.fd = descriptor
    }

    public static let standardOutput = ByteOutput(descriptor: 1)

    /// Writes all of `bytes`; returns false once the reader is gone or a write failed.
    @discardableResult
    public func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard !isClosed else { return false }
        var offset = 0
        while offset < bytes.count {
            let count = systemWrite(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                errorNumber = errno
                isClosed = true
                return false
            }
            offset += count
        }
        return true
    }

    @discardableResult
    public func write(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { write($0) }
    }
}

#if canImport(Glibc)
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
private let systemWrite = Darwin.write
#endif
