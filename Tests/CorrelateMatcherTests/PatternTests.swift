import Testing
@testable import CorrelateMatcher

@Suite struct PatternTests {
    private func firstMatch(_ pattern: Pattern, _ subject: String, from start: Int = 0) -> (MatchOutcome, MatchData) {
        let data = MatchData(for: pattern)
        var copy = subject
        let outcome = copy.withUTF8 { pattern.match(UnsafeRawBufferPointer($0), from: start, using: data) }
        return (outcome, data)
    }

    @Test func namedGroupsGiveByteRanges() throws {
        let pattern = try Pattern(#"trace_id=(?<trace_id>[0-9a-f]{4}) span=(?<span_id>\w+)"#)
        let (outcome, data) = firstMatch(pattern, "xx trace_id=beef span=ab12 yy")
        #expect(outcome == .matched)
        #expect(data.range(ofGroup: 0) == 3..<26)
        #expect(data.range(ofGroup: try #require(pattern.groupNumber(named: "trace_id"))) == 12..<16)
        #expect(data.range(ofGroup: try #require(pattern.groupNumber(named: "span_id"))) == 22..<26)
        #expect(pattern.captureCount == 2)
    }

    @Test func unsetGroupHasNoRange() throws {
        let pattern = try Pattern(#"a(?<opt>b)?c"#)
        let (outcome, data) = firstMatch(pattern, "ac")
        #expect(outcome == .matched)
        #expect(data.range(ofGroup: 1) == nil)
        #expect(!data.isSet(group: 1))
    }

    @Test func noMatchIsReported() throws {
        let pattern = try Pattern("needle")
        #expect(firstMatch(pattern, "haystack").0 == .noMatch)
        #expect(firstMatch(pattern, "").0 == .noMatch)
    }

    @Test func startOffsetLetsLookbehindSeeEarlierBytes() throws {
        let pattern = try Pattern(#"(?<=x)y"#)
        let (outcome, data) = firstMatch(pattern, "xy", from: 1)
        #expect(outcome == .matched)
        #expect(data.range(ofGroup: 0) == 1..<2)
    }

    @Test func compileErrorCarriesOffsetAndMessage() {
        #expect {
            _ = try Pattern("(?<trace_id>[0-9a-f]{32}")
        } throws: { error in
            guard let error = error as? PCRE2Error else { return false }
            return error.kind == .compile && error.offset == 24 && error.message.contains("parenthesis")
        }
    }

    @Test func bytesAreMatchedWithoutUTFChecks() throws {
        let pattern = try Pattern(#"id=(?<trace_id>[0-9a-f]+)"#)
        let subject: [UInt8] = [0xFF, 0xFE, 0x00] + Array("id=abc".utf8) + [0xC3]
        let data = MatchData(for: pattern)
        let outcome = subject.withUnsafeBytes { pattern.match($0, using: data) }
        #expect(outcome == .matched)
        #expect(data.range(ofGroup: 1) == 6..<9)
    }

    @Test func catastrophicPatternHitsTheLimitInsteadOfHanging() throws {
        let pattern = try Pattern(#"^(a+)+$"#)
        let subject = String(repeating: "a", count: 40) + "b"
        let data = MatchData(for: pattern, limits: MatchLimits(matchLimit: 100_000))
        var copy = subject
        let outcome = copy.withUTF8 { pattern.match(UnsafeRawBufferPointer($0), using: data) }
        guard case .limitExceeded(let error) = outcome else {
            Issue.record("expected a limit, got \(outcome)")
            return
        }
        #expect(error.kind == .limitExceeded)
    }

    @Test func duplicateNamesNeedTheOption() throws {
        #expect(throws: PCRE2Error.self) { _ = try Pattern("(?<a>x)|(?<a>y)") }
        let pattern = try Pattern("(?<a>x)|(?<a>y)", options: PatternOptions(duplicateNames: true))
        #expect(pattern.namedGroups["a"]?.sorted() == [1, 2])
    }

    @Test func caselessOption() throws {
        let pattern = try Pattern("traceparent", options: PatternOptions(caseless: true))
        #expect(firstMatch(pattern, "TraceParent: x").0 == .matched)
    }
}
