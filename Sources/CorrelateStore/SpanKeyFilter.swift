import CorrelateModel

/// The span keys (trace id, span id) a sealed segment holds, as a blocked Bloom filter: asked
/// for a key the segment does not hold, it says so about 998 times in 1,000 (16 bits per key,
/// six bits set in one 512-bit block, so one cache line is read per question); a key the
/// segment holds is never denied. A sealed segment never changes, so a filter made once from
/// its keys stays true.
///
/// Why: a span whose start lies within a sealed segment's span range must be looked up there
/// before it is stored (idempotent ingest), and live spans arrive out of order, so the segment
/// sealed last is asked about most new spans: a B-tree lookup in its file each, where the
/// filter answers in memory.
final class SpanKeyFilter {
    private var words: [UInt64]
    private let blockCount: UInt64

    /// An empty filter sized for `expected` keys.
    init(expected: Int) {
        let blocks = max(1, (max(expected, 1) * 16 + 511) / 512)
        blockCount = UInt64(blocks)
        words = [UInt64](repeating: 0, count: blocks * 8)
    }

    func insert(_ trace: TraceID, _ span: SpanID) {
        let (block, bits) = Self.place(trace, span, blockCount)
        words.withUnsafeMutableBufferPointer { words in
            var spread = bits
            for _ in 0..<6 {
                let bit = Int(spread & 511)
                words[block + bit >> 6] |= 1 << UInt64(bit & 63)
                spread >>= 9
            }
        }
    }

    /// False when the segment surely does not hold the key.
    func mayHold(_ trace: TraceID, _ span: SpanID) -> Bool {
        let (block, bits) = Self.place(trace, span, blockCount)
        return words.withUnsafeBufferPointer { words in
            var spread = bits
            for _ in 0..<6 {
                let bit = Int(spread & 511)
                if words[block + bit >> 6] & (1 << UInt64(bit & 63)) == 0 { return false }
                spread >>= 9
            }
            return true
        }
    }

    /// The first word of the key's block, and 54 bits that choose six bits in it.
    @inline(__always)
    private static func place(_ trace: TraceID, _ span: SpanID, _ blockCount: UInt64) -> (Int, UInt64) {
        let hash = mix(trace.high ^ mix(trace.low ^ mix(span.value)))
        let block = Int((hash >> 32) % blockCount) * 8
        return (block, mix(hash))
    }

    /// SplitMix64's finaliser: every input bit moves about half of the output bits.
    @inline(__always)
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
