import Testing
import CorrelateModel

@Suite struct PercentilesTests {
    /// Nearest rank: the p-th percentile of n values is the ⌈p·n/100⌉-th smallest.
    @Test func nearestRankByHand() {
        #expect(Percentiles([]) == nil)
        #expect(Percentiles([7]) == Percentiles(p50: 7, p95: 7, p99: 7, max: 7))
        // 1…10: p50 the 5th, p95 the 10th (⌈9.5⌉), p99 the 10th.
        #expect(Percentiles((1...10).map(Double.init).shuffled()) == Percentiles(p50: 5, p95: 10, p99: 10, max: 10))
        // 1…200: p50 the 100th, p95 the 190th, p99 the 198th.
        #expect(Percentiles((1...200).map(Double.init).reversed()) == Percentiles(p50: 100, p95: 190, p99: 198, max: 200))
    }

    @Test func durationsAsPeopleSayThem() {
        #expect(Milliseconds.spoken(0.25) == "0.25 ms")
        #expect(Milliseconds.spoken(450) == "450 ms")
        #expect(Milliseconds.spoken(3_600) == "3.6 s")
        #expect(Milliseconds.spoken(6_040) == "6.04 s")
        #expect(Milliseconds.spoken(150_000) == "2.5 min")
        #expect(Milliseconds.spoken(4_320_000) == "1.2 h")
    }
}
