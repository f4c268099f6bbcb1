/// A 128-bit trace id, as W3C Trace Context and OpenTelemetry define it.
///
/// Ids that are only 64 bits wide where they were logged (B3 and Jaeger 64-bit ids, Datadog's
/// decimal `dd.trace_id`) are kept with the high half zero, which is how OpenTelemetry's own
/// propagators widen them. The all-zero id means "no trace" and is never ``isValid``.
public struct TraceID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// False for the all-zero id, which never links.
    public var isValid: Bool { high != 0 || low != 0 }

    /// Lowercase hex, 32 digits.
    public var description: String {
        var out: [UInt8] = []
        out.reserveCapacity(32)
        appendHex(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Writes the 32 lowercase hex digits at `out` (which must have room for them).
    @inline(__always)
    public func writeHex(to out: UnsafeMutablePointer<UInt8>) {
        Hex.write16(high, to: out)
        Hex.write16(low, to: out + 16)
    }

    /// Appends the 32 lowercase hex digits to `out`.
    @inline(__always)
    public func appendHex(to out: inout [UInt8]) {
        Hex.append(high, digits: 16, to: &out)
        Hex.append(low, digits: 16, to: &out)
    }

    /// Parses 32 hex digits (or 16, widened with a zero high half); `nil` for anything else.
    public init?(hex text: String) {
        guard let id = TraceID.parse(text, format: .hex) else { return nil }
        self = id
    }

    public static func < (lhs: TraceID, rhs: TraceID) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }
}

/// A 64-bit span id. The all-zero id is never ``isValid``.
public struct SpanID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var value: UInt64

    public init(_ value: UInt64) { self.value = value }

    public var isValid: Bool { value != 0 }

    /// Lowercase hex, 16 digits.
    public var description: String {
        var out: [UInt8] = []
        out.reserveCapacity(16)
        appendHex(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @inline(__always)
    public func appendHex(to out: inout [UInt8]) {
        Hex.append(value, digits: 16, to: &out)
    }

    /// Writes the 16 lowercase hex digits at `out` (which must have room for them).
    @inline(__always)
    public func writeHex(to out: UnsafeMutablePointer<UInt8>) {
        Hex.write16(value, to: out)
    }

    /// Parses 16 hex digits; `nil` for anything else.
    public init?(hex text: String) {
        guard let id = SpanID.parse(text, format: .hex) else { return nil }
        self = id
    }

    public static func < (lhs: SpanID, rhs: SpanID) -> Bool { lhs.value < rhs.value }
}
