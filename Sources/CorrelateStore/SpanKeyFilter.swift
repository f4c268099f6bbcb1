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
        _ = words.withUnsafeMutableBufferPointer { words in
            Self.forEachBit(trace, span, blockCount) { word, mask in
                words[word] |= mask
                return true
            }
        }
    }

    /// False when the segment surely does not hold the key.
    func mayHold(_ trace: TraceID, _ span: SpanID) -> Bool {
        words.withUnsafeBufferPointer { words in
            Self.forEachBit(trace, span, blockCount) { word, mask in words[word] & mask != 0 }
        }
    }

    /// Calls `body` with the word and bit of each of the key's six bits, in its block, until it
    /// returns false; whether it never did.
    @inline(__always)
    private static func forEachBit(_ trace: TraceID, _ span: SpanID, _ blockCount: UInt64, _ body: (Int, UInt64) -> Bool) -> Bool {
        let hash = SplitMix64.mix(trace.high ^ SplitMix64.mix(trace.low ^ SplitMix64.mix(span.value)))
        // The block from the high half, 54 bits of a second mix choose six of its 512 bits.
        let block = Int((hash >> 32) % blockCount) * 8
        var spread = SplitMix64.mix(hash)
        for _ in 0..<6 {
            let bit = Int(spread & 511)
            guard body(block + bit >> 6, 1 << UInt64(bit & 63)) else { return false }
            spread >>= 9
        }
        return true
    }
}
