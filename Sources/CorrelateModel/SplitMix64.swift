/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", 2014):
/// a small deterministic generator, and its step as a 64-bit mixing function in which every
/// input bit moves about half of the output bits (the span key filter's hash; the benchmark's
/// inputs, the same on every run and machine for a given seed).
public struct SplitMix64: Sendable {
    public var state: UInt64

    @inlinable
    public init(state: UInt64) {
        self.state = state
    }

    @inlinable @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The value a generator started at `value` gives first.
    @inlinable @inline(__always)
    public static func mix(_ value: UInt64) -> UInt64 {
        var generator = SplitMix64(state: value)
        return generator.next()
    }
}
