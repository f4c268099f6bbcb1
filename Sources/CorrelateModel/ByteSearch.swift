#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension StringProtocol {
    /// The offset in UTF-8 bytes of the first occurrence of `needle`'s bytes in this text, or nil.
    ///
    /// A byte search (`memchr`, `memcmp`) for the short, fixed needles of the hot paths (`"://"`, a table's
    /// name in SQL): Foundation's `range(of:)` goes through `CFStringFind`, and the standard
    /// library's generic `firstRange(of:)` looks up generic metadata on every call; both cost
    /// several per cent of a lookup that asks these questions thousands of times.
    public func utf8Offset(of needle: String) -> Int? {
        var needle = needle
        return needle.withUTF8 { wanted -> Int? in
            let found = utf8.withContiguousStorageIfAvailable { text -> Int? in
                Self.offset(of: wanted, in: text)
            }
            if let found { return found }
            return Array(utf8).withUnsafeBufferPointer { Self.offset(of: wanted, in: $0) }
        }
    }

    /// Whether this text holds `needle`'s bytes (``utf8Offset(of:)``).
    public func containsBytes(_ needle: String) -> Bool {
        utf8Offset(of: needle) != nil
    }

    private static func offset(of wanted: UnsafeBufferPointer<UInt8>, in text: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !wanted.isEmpty else { return 0 }
        guard let base = text.baseAddress, let needle = wanted.baseAddress, text.count >= wanted.count else { return nil }
        // Each place the first byte is (memchr), then the rest compared (memcmp).
        let last = text.count - wanted.count
        var start = 0
        while start <= last {
            guard let hit = memchr(base + start, Int32(needle[0]), last - start + 1) else { return nil }
            let at = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(hit))
            if memcmp(base + at, needle, wanted.count) == 0 { return at }
            start = at + 1
        }
        return nil
    }
}
