internal import CPCRE2

/// An error reported by the PCRE2 engine: a failed compilation, or a match that stopped early.
///
/// Compilation errors carry the byte `offset` in the pattern where PCRE2 gave up, so a caller can
/// point at the character. Match errors carry no offset.
public struct PCRE2Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, in the terms callers act on.
    public enum Kind: Sendable, Equatable {
        /// The pattern does not compile.
        case compile
        /// A match hit the match, depth, heap or JIT stack limit: the subject is too hard for
        /// the pattern, not malformed. Callers count these and go on.
        case limitExceeded
        /// Any other match-time failure.
        case match
    }

    public let kind: Kind
    /// The PCRE2 error code (negative for match errors, positive for compile errors).
    public let code: Int32
    /// For compile errors: the byte offset in the pattern at which the error was detected.
    public let offset: Int?
    /// PCRE2's own description of the code.
    public let message: String

    init(kind: Kind, code: Int32, offset: Int? = nil) {
        self.kind = kind
        self.code = code
        self.offset = offset
        self.message = PCRE2Error.describe(code)
    }

    public var description: String {
        if let offset {
            return "\(message) (PCRE2 error \(code) at offset \(offset))"
        }
        return "\(message) (PCRE2 error \(code))"
    }

    static func describe(_ code: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let length = buffer.withUnsafeMutableBufferPointer { pointer in
            pcre2_get_error_message_8(code, pointer.baseAddress, pointer.count)
        }
        guard length > 0 else { return "unknown PCRE2 error" }
        return String(decoding: buffer[0..<Int(length)], as: UTF8.self)
    }

    /// Match error codes that mean "a resource limit was hit", as opposed to a bug or bad input.
    static func isLimit(_ code: Int32) -> Bool {
        code == PCRE2_ERROR_MATCHLIMIT || code == PCRE2_ERROR_DEPTHLIMIT
            || code == PCRE2_ERROR_HEAPLIMIT || code == PCRE2_ERROR_JIT_STACKLIMIT
            || code == PCRE2_ERROR_NOMEMORY
    }
}
