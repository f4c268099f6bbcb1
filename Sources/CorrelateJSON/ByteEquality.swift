#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension UnsafeBufferPointer where Element == UInt8 {
    /// Whether these bytes are exactly `word`'s UTF-8 bytes (same length, `memcmp`).
    ///
    /// For the hot paths that compare a member's key or a literal with a fixed name: the
    /// standard library's `elementsEqual` is generic over the two sequences and compares byte
    /// by byte through their iterators (2–3 % of decoding OTLP JSON spans).
    @inline(__always)
    public func hasBytes(of word: StaticString) -> Bool {
        count == word.utf8CodeUnitCount && (count == 0 || memcmp(baseAddress!, word.utf8Start, count) == 0)
    }

    /// Whether these bytes are exactly `other`'s (same length, `memcmp`).
    @inline(__always)
    public func hasBytes(of other: [UInt8]) -> Bool {
        count == other.count && other.withUnsafeBufferPointer { count == 0 || memcmp(baseAddress!, $0.baseAddress!, count) == 0 }
    }
}
