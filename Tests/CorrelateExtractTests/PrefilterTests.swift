import Foundation
import Testing
@testable import CorrelateExtract
import CPairScan
import CorrelateMatcher
import CorrelateTestSupport

private func literals(_ pattern: String) -> [String]? {
    RequiredLiterals.of(pattern).map { $0.map { String(decoding: $0, as: UTF8.self) }.sorted() }
}

@Suite struct RequiredLiteralsTests {
    @Test func literalRunIsRequired() {
        #expect(literals(#"trace_id=(?<trace_id>[0-9a-f]{32})"#) == ["trace_id="])
        // A short literal is extended by the class after it when that makes it rarer.
        #expect(literals(#"\[(?<job_id>[0-9a-f]{8})\]"#)?.count == 16)
    }

    @Test func alternationGivesOneLiteralPerBranch() {
        #expect(literals(#""(?:trace_id|traceId)"\s*:"#) == ["\"trace_id\"", "\"traceid\""])
    }

    @Test func caseIsFolded() {
        #expect(literals(#"(?i:X-B3-TraceId)\s*:"#) == ["x-b3-traceid"])
    }

    @Test func optionalPartsAreNotRequired() {
        #expect(literals(#"(?:abc)?xyz\d+"#) == ["xyz0", "xyz1", "xyz2", "xyz3", "xyz4", "xyz5", "xyz6", "xyz7", "xyz8", "xyz9"])
        #expect(literals(#"(?:abc)?(?<trace_id>\w+)"#) == nil)
    }

    @Test func anAlternativeWithoutLiteralsMakesTheRuleUnfiltered() {
        #expect(literals(#"trace=(?<trace_id>\w+)|(?<trace_id>\w{32})"#) == nil)
    }

    @Test(arguments: [
        #"(?x) trace = (?<trace_id>\w+)"#,  // extended mode changes what spaces mean
        #"\Qtrace\E(?<trace_id>\w+)"#,
        #"\p{L}+(?<trace_id>\w+)"#,
        #"(*UTF)trace(?<trace_id>\w+)"#,
    ])
    func unknownConstructsAreNeverFiltered(pattern: String) {
        #expect(RequiredLiterals.of(pattern) == nil)
    }

    @Test func prefixesAreMatchStarts() {
        let result = RequiredLiterals.analysis(of: #"(?<![\w.-])["']?(?:task_id|job_id)=(?<job_id>\w+)"#)
        let prefixes = result.prefixes.map { $0.map { String(decoding: $0, as: UTF8.self) }.sorted() }
        #expect(prefixes == ["\"job_id=", "\"task_id=", "'job_id=", "'task_id=", "job_id=", "task_id="])
    }
}

@Suite struct PrefilterEquivalenceTests {
    /// Every sample log line, every rule test line, and variants of them, give the same ids with
    /// and without the prefilter.
    @Test func prefilterNeverChangesWhatIsExtracted() throws {
        let set = try RuleLoader.load(RuleLoader.shippedSources()).ruleSet
        var lines: [String] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: Fixtures.celery("logs")) {
            let text = try String(contentsOfFile: Fixtures.celery("logs/" + file), encoding: .utf8)
            lines += text.split(separator: "\n").map(String.init)
        }
        for compiled in set.rules { lines += compiled.rule.tests.map(\.line) }
        // Every shape of the corpus (its lines, headers and all).
        let shapes = Fixtures.fixture("shapes")
        for file in try FileManager.default.contentsOfDirectory(atPath: shapes) {
            let text = try String(contentsOfFile: shapes + "/" + file, encoding: .utf8)
            lines += text.split(separator: "\n").map(String.init)
        }
        lines += lines.map { $0.uppercased() } + lines.map { "prefix " + $0 + " suffix" }
        lines += lines.map { String($0.prefix($0.count / 2)) }
        let extractor = set.makeExtractor()
        var compared = 0
        for line in lines {
            var copy = line
            copy.withUTF8 { bytes in
                let fast = extractor.extract(bytes)
                let full = extractor.extractWithoutPrefilter(bytes)
                #expect(fast.traceID == full.traceID, "\(line)")
                #expect(fast.spanID == full.spanID, "\(line)")
                let job = { (range: Range<Int>?) in range.map { Array(bytes[$0]) } }
                #expect(job(fast.jobID) == job(full.jobID), "\(line)")
                compared += 1
            }
        }
        #expect(compared > 4000)
    }

    @Test func everyShippedRuleIsFiltered() throws {
        let set = try RuleLoader.load(RuleLoader.shippedSources()).ruleSet
        for index in set.rules.indices {
            #expect(!set.requiredLiterals(ofRule: index).isEmpty || set.ending(ofRule: index) != nil,
                    "\(set.rules[index].rule.name) is tried on every line")
        }
    }

    @Test func linesWithoutLiteralsCostNoRegex() throws {
        let set = try RuleLoader.load(RuleLoader.shippedSources()).ruleSet
        var line = "2026-11-25T08:32:26Z INFO celery@worker-1 ready."
        let hits = AnchorHits()
        let search = line.withUTF8 { set.prefilter.scan($0, hits: hits) }
        #expect(search == 0)
        #expect(hits.count == 0)
    }
}

@Suite struct HexRunTests {
    @Test(arguments: [
        (#"(?<![0-9a-zA-Z-])(?<trace_id>[0-9a-f]{32}) (?<span_id>[0-9a-f]{16}) [01]\s*$"#, 32),
        (#"\[(?<trace_id>[0-9a-f]{32}|[0-9a-f]{16})-(?<span_id>[0-9a-f]{16})\]"#, 16),
        (#"(?:\(Job ID: |\[Job )(?<job_id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\)"#, 12),
        (#"Root=1-(?<t>[0-9a-f]{8})-(?<u>[0-9a-f]{24})"#, 24),
        // Digits and hex letters around an id extend its run: "b3" then ":"… does not.
        (#"(?i:b3)=(?<t>[0-9a-f]{16})"#, 16),
        (#"id=(?<t>[0-9a-f]{16})(?<s>[0-9a-f]{16})"#, 32),
        // Letters count too: "ace" of "trace", the "D" of "WorkflowID".
        (#"dd\.trace_id=(?<t>\d{1,20})"#, 3),
        (#"WorkflowID[ =](?<j>[\w.@:-]{1,255})"#, 1),
        (#"(?<t>[0-9a-f]{32})?x"#, 0),
        (#"(?<t>[0-9a-f]{4}){8}"#, 32),
        (#"(?:[0-9a-f]{16}|[0-9a-f]{32}-)"#, 16),
    ])
    func everyMatchHoldsTheRunTheAnalysisFinds(pattern: String, run: Int) {
        #expect(HexRuns.guaranteed(in: pattern) == run, "\(pattern)")
    }

    /// `has` against a plain count of the longest run, on every text of up to 14 bytes made
    /// of hex digits (both cases) and other bytes, for every run length from 1 to 16.
    @Test func aRunIsFoundExactlyWhenTheLineHasIt() {
        var wrong: [String] = []
        HexRuns.table.withUnsafeBufferPointer { table in
            for count in 1...14 {
                for mask in 0..<(1 << count) {
                    // Bit set: a hex digit (cycling through 0-9, a-f, A-F); clear: a separator.
                    let text: [UInt8] = (0..<count).map { index in
                        mask & (1 << index) != 0 ? Array("0a9fA5".utf8)[index % 6] : Array("-g \"".utf8)[index % 4]
                    }
                    var longest = 0
                    var current = 0
                    for byte in text {
                        current = HexRuns.table[Int(byte)] != 0 ? current + 1 : 0
                        longest = max(longest, current)
                    }
                    text.withUnsafeBufferPointer { buffer in
                        for length in 1...16
                        where HexRuns.has(length, in: buffer.baseAddress!, count: count, table: table.baseAddress!) != (longest >= length) {
                            wrong.append("\(String(decoding: text, as: UTF8.self)) \(length)")
                        }
                    }
                }
            }
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(5))")
    }

    /// Runs of base64 digits (`A-Z a-z 0-9 + /`), for rules whose ids are base64: a class too
    /// large to look for as literals is still known for its runs.
    @Test(arguments: [
        (#""(?:traceId|trace_id)"\s*:\s*"(?<trace_id>[A-Za-z0-9+/]{22}==)""#, 22),
        // Hex digits are base64 digits, and so are the letters and slashes around them.
        (#"projects/[^/"]+/traces/(?<t>[0-9a-f]{32})"#, 40),
        (#"id=(?<t>[0-9a-f]{16})"#, 16),
        // A negated class, or one past ASCII, may be anything.
        (#"id: (?<t>[^ ]{22})"#, 2),
        (#"(?<t>[A-Za-z0-9é]{22})"#, 0),
    ])
    func base64RunsAreFoundToo(pattern: String, run: Int) {
        #expect(HexRuns.guaranteed(in: pattern, member: HexRuns.isBase64Digit) == run, "\(pattern)")
    }

    /// A line that holds a base64 rule's key but no run of base64 digits long enough for its id
    /// tries no rule, and an extractor says nothing there may match — so with `--only-linked`
    /// it is not decoded (`"trace_id": "0"`, as OpenTelemetry's Python logging writes outside a
    /// span). With an id, hex or base64, it is tried and the id found.
    @Test func aLineWithoutABase64RunLongEnoughTriesNoBase64Rule() throws {
        let set = try RuleLoader.load(RuleLoader.shippedSources()).ruleSet
        let base64 = try #require(set.rules.firstIndex { $0.rule.name == "json-trace-id-base64" })
        #expect(set.requiredBase64Run(ofRule: base64) == 22)
        let extractor = set.makeExtractor()
        var unlinked = #"{"level": "INFO", "message": "sending welcome email to user93816@example.com", "trace_id": "0", "span_id": "0"}"#
        let (may, rules) = unlinked.withUTF8 { bytes -> (Bool, UInt64) in
            let hits = AnchorHits()
            _ = set.prefilter.scan(bytes, hits: hits)
            return (extractor.mayMatch(bytes), (0..<hits.count).reduce(0) { $0 | hits.rules[$1] })
        }
        #expect(rules & (1 << UInt64(base64)) == 0)
        #expect(!may)
        var hex = #"{"message": "ok", "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736"}"#
        #expect(hex.withUTF8 { extractor.mayMatch($0) })
        var encoded = #"{"message": "ok", "trace_id": "S/kvNXezTaajzpKdDg5HNg=="}"#
        let found = encoded.withUTF8 { bytes -> Extraction in
            #expect(extractor.mayMatch(bytes))
            return extractor.extract(bytes)
        }
        #expect(found.traceID?.description == "4bf92f3577b34da6a3ce929d0e0e4736")
    }

    @Test func aLineWithoutAnIdLongEnoughTriesNoIdRule() throws {
        let set = try RuleLoader.load(RuleLoader.shippedSources()).ruleSet
        let hits = AnchorHits()
        // Weak literals of several rules ("[a", "\"c", ",1", "e 1", "3)") but no run of 8.
        var line = #"[api] {"svc": "celery-worker", "n": "0"} sizes=1280,1024 size 1 (job 51273)"#
        let search = line.withUTF8 { set.prefilter.scan($0, hits: hits) }
        #expect(search == 0)
        #expect((0..<hits.count).allSatisfy { hits.rules[$0] == 0 })
        var withID = #"[4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7] boot"#
        let extraction = withID.withUTF8 { set.makeExtractor().extract($0) }
        #expect(extraction.traceID?.description == "4bf92f3577b34da6a3ce929d0e0e4736")
    }
}

@Suite struct RunEndTests {
    /// How a checked run of hex digits ends, read from the pattern: its lengths (nil: any) and
    /// the bytes after it; nil where the pattern does not say.
    @Test(arguments: [
        // A B3 header: 32 or 16 digits, then the dash before the span id.
        (#""(?<trace_id>[0-9a-f]{32}|[0-9a-f]{16})-(?<span_id>[0-9a-f]{16})(?:-[01d](?:-[0-9a-f]{16})?)?""#, 1, [16, 32], "-"),
        // A UUID's first group in brackets: the run is inside the capture group.
        (#"\[(?<job_id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4})\]"#, 1, [8], "-"),
        (#"id=(?<t>[0-9a-f]{4}){2,3}x"#, 3, [8, 12], "x"),
        // Zero-width nodes between the run and the byte after it.
        (#"id=(?<t>[0-9a-f]{32})(?![0-9a-z])\b(?:,|;)"#, 3, [32], ",;"),
        // Unbounded: any length, the byte after it still known.
        (#"id=(?<t>[0-9a-f]{16,})""#, 3, nil, "\""),
        (#"id=(?<t>[0-9a-f]{16,80}) "#, 3, nil, " "),
    ] as [(String, Int, [Int]?, String)])
    func theRunEndIsReadFromThePattern(pattern: String, offset: Int, lengths: [Int]?, after: String) throws {
        let end = try #require(HexRuns.runEnd(in: pattern, at: offset), "\(pattern)")
        #expect(end.lengths.map { $0.sorted() } == lengths, "\(pattern)")
        #expect(end.terminators == Set(after.utf8), "\(pattern)")
    }

    @Test(arguments: [
        // What follows may be empty (the end of the text), whitespace, or a hex digit.
        (#"id=(?<t>[0-9a-f]{32})(?:-|$)"#, 3),
        (#"id=(?<t>[0-9a-f]{32})\s"#, 3),
        (#"id=(?<t>[0-9a-f]{32})[0-9a-z]"#, 3),
        (#"id=(?<t>[0-9a-f]{32})-?"#, 3),
        (#"id=(?<t>[0-9a-f]{32})"#, 3),
        // The run ends inside a node that holds other bytes too.
        (#"id=(?<t>(?:[0-9a-f]{8}-?){4})-"#, 3),
        // Nothing at that offset starts with a hex digit.
        (#"id=(?<t>[0-9a-f]{32})-"#, 2),
    ] as [(String, Int)])
    func aPatternThatDoesNotSayGivesNoRunEnd(pattern: String, offset: Int) {
        #expect(HexRuns.runEnd(in: pattern, at: offset) == nil, "\(pattern)")
    }

    /// A quoted hex id with no dash after it, or a run of digits of a length no B3 id has, starts
    /// no B3 header: the anchor hit is dropped before any regex runs; a header keeps it (in
    /// either case of its digits: the prefilter folds case, the regex then decides).
    @Test func aQuotedTraceIDIsNoB3Header() throws {
        let set = try RuleLoader.load(RuleLoader.shippedSources()).ruleSet
        let b3 = try #require(set.rules.firstIndex { $0.rule.name == "b3-single-value" })
        let hits = AnchorHits()
        func hitRules(_ text: String, at position: Int) -> UInt64 {
            var copy = text
            _ = copy.withUTF8 { set.prefilter.scan($0, hits: hits) }
            return (0..<hits.count).filter { hits.positions[$0] == position }.reduce(0) { $0 | hits.rules[$1] }
        }
        let bit: UInt64 = 1 << UInt64(b3)
        #expect(hitRules(#"{"trace_id": "4bf92f3577b34da6a3ce929d0e0e4736"}"#, at: 13) & bit == 0)
        #expect(hitRules(#"{"span_id": "00f067aa0ba902b7"}"#, at: 12) & bit == 0)
        #expect(hitRules(#"{"id": "4bf92f3577b34da6a3ce929d0e0e4736a"}"#, at: 7) & bit == 0)  // 33 digits
        // Followed by a dash, but 20 and 33 digits long.
        #expect(hitRules(#"x "0123456789abcdef0123-00f067aa0ba902b7""#, at: 2) & bit == 0)
        #expect(hitRules(#"x "4bf92f3577b34da6a3ce929d0e0e4736a-00f067aa0ba902b7""#, at: 2) & bit == 0)
        #expect(hitRules(#"x "0123456789abcdef-00f067aa0ba902b7""#, at: 2) & bit != 0)
        #expect(hitRules(#""4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1""#, at: 0) & bit != 0)
        #expect(hitRules(#"x "4BF92F3577B34DA6-00F067AA0BA902B7""#, at: 2) & bit != 0)
        #expect(hitRules(#"x "4bf92f3577b34da6a3ce929d0e0e4736"#, at: 2) & bit == 0)  // the text ends
    }

    /// The check drops only hits where the rule's anchored regex finds no match: on the corpus,
    /// its lines cut after every hex digit, and texts made of ids, dashes and quotes.
    @Test func theRunEndCheckDropsOnlyPlacesThatCannotMatch() throws {
        let set = try RuleLoader.load(RuleLoader.shippedSources()).ruleSet
        let literals = set.rules.map { RuleSet.literals(for: $0.rule.pattern) }
        let unchecked = LiteralPrefilter(rules: literals, hexRuns: set.hexRuns, runEndCheck: false)
        let checked = LiteralPrefilter(rules: literals, hexRuns: set.hexRuns)
        var texts: [[UInt8]] = try PairScanTests.corpus().map { Array($0.utf8) }
        for line in texts where line.count < 400 {
            for position in line.indices where HexRuns.table[Int(line[position])] != 0 {
                texts.append(Array(line[...position]))
            }
        }
        var generator = SystemRandomNumberGenerator()
        let pieces = ["4bf92f3577b34da6", "a3ce929d0e0e4736", "00F067AA", "0", "-", "\"", "[", "]", " ", ",", "-1", "00-", "x"]
        for _ in 0..<3_000 {
            texts.append(Array((0..<Int.random(in: 1...10, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined().utf8))
        }
        let data = set.anchored.map { $0.map { MatchData(for: $0) } }
        let one = AnchorHits(), other = AnchorHits()
        var dropped = 0, wrong: [String] = []
        for var text in texts {
            text.withUnsafeMutableBufferPointer { mutable in
                let bytes = UnsafeBufferPointer(mutable)
                let a = unchecked.scan(bytes, hits: one), b = checked.scan(bytes, hits: other)
                if a != b { wrong.append("candidates: " + String(decoding: bytes, as: UTF8.self)) }
                var kept: [Int: UInt64] = [:]
                for hit in 0..<other.count { kept[other.positions[hit], default: 0] |= other.rules[hit] }
                for hit in 0..<one.count {
                    let position = one.positions[hit]
                    let lost = one.rules[hit] & ~(kept[position] ?? 0)
                    if kept[position].map({ $0 & ~one.rules[hit] }) ?? 0 != 0 { wrong.append("added: " + String(decoding: bytes, as: UTF8.self)) }
                    var rules = lost
                    while rules != 0 {
                        let index = rules.trailingZeroBitCount
                        rules &= rules - 1
                        dropped += 1
                        guard let pattern = set.anchored[index], let data = data[index] else { continue }
                        if case .matched = pattern.match(UnsafeRawBufferPointer(bytes), from: position, using: data) {
                            wrong.append("\(set.rules[index].rule.name) at \(position): " + String(decoding: bytes, as: UTF8.self))
                        }
                    }
                }
            }
        }
        #expect(dropped > 1_000)
        let wrongPlaces = wrong.count
        #expect(wrongPlaces == 0, "\(wrong.prefix(3).map { $0.prefix(300) })")
    }
}

@Suite struct EndingTests {
    @Test func aPatternThatEndsTheTextGivesItsEndingsAndLength() throws {
        let ending = try #require(RequiredLiterals.endings(of: #"(?<![0-9a-zA-Z-])(?<t>[0-9a-f]{32}) (?<s>[0-9a-f]{16}) [01]\s*$"#))
        #expect(ending.length == 51)
        #expect(ending.strings.allSatisfy { $0.last == UInt8(ascii: "0") || $0.last == UInt8(ascii: "1") })
        #expect(RequiredLiterals.endings(of: #"status=(?<c>\d+)$"#)?.length == nil)
    }

    @Test(arguments: [
        #"(?<t>[0-9a-f]{32}) [01]"#,  // need not end the text
        #"(?m)(?<t>[0-9a-f]{32}) [01]$"#,  // `$` before any newline
        #"(?<t>[0-9a-f]{32}) [01]$|x"#,  // one branch only
    ])
    func otherPatternsHaveNoEnding(pattern: String) {
        #expect(RequiredLiterals.endings(of: pattern) == nil)
    }

    /// The access-log rule is found where the line ends with its ids — after trailing spaces
    /// or a carriage return too — and not elsewhere.
    @Test func theAccessLogRuleIsFoundByHowTheLineEnds() throws {
        let set = try RuleLoader.load(RuleLoader.shippedSources()).ruleSet
        let index = try #require(set.rules.firstIndex { $0.rule.name == "nginx-otel-ids" })
        #expect(set.ending(ofRule: index)?.length == 51)
        let extractor = set.makeExtractor()
        let ids = "4bf92f3577b34da6a3ce929d0e0e4736 00f067aa0ba902b7 1"
        for line in [#"10.0.0.1 - - "GET / HTTP/1.1" 200 "#  + ids, "GET / 200 " + ids + "  \r", ids] {
            var text = line
            let found = text.withUTF8 { extractor.extract($0) }
            #expect(found.traceID?.description == "4bf92f3577b34da6a3ce929d0e0e4736", "\(line)")
            #expect(found.spanID?.description == "00f067aa0ba902b7", "\(line)")
        }
        var inside = "GET / 200 " + ids + " referer=x"
        #expect(inside.withUTF8 { extractor.extract($0) }.traceID == nil)
    }

    /// Literal sets are chosen for what the scan pays: 48 strings `0" "0"`… keyed by 16 pairs
    /// lose to the few strings around `" "` they contain.
    @Test func literalsAreChosenForTheirKeyPairsToo() throws {
        let set = try RuleLoader.load(RuleLoader.shippedSources()).ruleSet
        let index = try #require(set.rules.firstIndex { $0.rule.name == "b3-quoted-headers" })
        let literals = set.requiredLiterals(ofRule: index)
        #expect(literals.count <= 4)
        #expect(literals.allSatisfy { $0.contains("\" \"") }, "\(literals)")
    }
}

/// The vectorised pair scan (`CPairScan`) and what it is built from.
@Suite struct PairScanTests {
    /// Every line of the corpus, in its own case, upper case and between other text.
    static func corpus() throws -> [String] {
        var lines: [String] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: Fixtures.celery("logs")) {
            lines += try String(contentsOfFile: Fixtures.celery("logs/" + file), encoding: .utf8).split(separator: "\n").map(String.init)
        }
        let shapes = Fixtures.fixture("shapes")
        for file in try FileManager.default.contentsOfDirectory(atPath: shapes) {
            lines += try String(contentsOfFile: shapes + "/" + file, encoding: .utf8).split(separator: "\n").map(String.init)
        }
        return lines + lines.map { $0.uppercased() } + lines.map { "x" + $0 + " y" }
    }

    /// No false negatives: on random bytes and on every line of the corpus, every position
    /// whose (folded) pair keys a literal is among the candidates, whatever the text's length
    /// (the 32-byte blocks and the tail).
    @Test func everyKeyPairIsACandidate() throws {
        let set = try RuleLoader.load(RuleLoader.shippedSources()).ruleSet
        let keys = Set(set.prefilter.keyPairs)
        #expect(keys.count > 50)
        let masks = LiteralPrefilter.pairMasks(forKeys: Array(keys))
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("\"[]=-_:,. 0123456789abcdefABCDEFtrace_idspanTRACEjob".utf8)
        var texts: [[UInt8]] = try Self.corpus().map { Array($0.utf8) }
        for length in 0..<200 { texts.append((0..<length).map { _ in alphabet.randomElement(using: &generator)! }) }
        var missed: [String] = []
        let out = UnsafeMutablePointer<UInt32>.allocate(capacity: 64)
        defer { out.deallocate() }
        for text in texts where text.count >= 2 {
            var found = Set<Int>()
            text.withUnsafeBufferPointer { bytes in
                masks.withUnsafeBufferPointer { masks in
                    var from = 0
                    while from < bytes.count - 1 {
                        var resume = 0
                        // A small buffer, so that the scan also stops and resumes mid-text.
                        let count = correlate_pair_scan(bytes.baseAddress, from, bytes.count - 1, masks.baseAddress, out, 64, &resume)
                        for index in 0..<count { found.insert(Int(out[index])) }
                        #expect(resume > from)
                        from = resume
                    }
                }
            }
            for position in 0..<(text.count - 1) {
                let pair = Int(RegexSubsetParser.fold(text[position])) | Int(RegexSubsetParser.fold(text[position + 1])) << 8
                if keys.contains(pair), !found.contains(position) {
                    let around = text[max(0, position - 12)..<min(text.count, position + 12)]
                    missed.append("…\(String(decoding: around, as: UTF8.self))… @\(position)")
                }
            }
        }
        #expect(missed.isEmpty, "\(missed.prefix(5))")
    }

    /// The scan with the vectorised first stage finds what testing every position finds: the
    /// same candidate rules and the same anchor hits, line by line.
    @Test func theVectorisedScanChangesNothing() throws {
        let set = try RuleLoader.load(RuleLoader.shippedSources()).ruleSet
        let literals = set.rules.map { RuleSet.literals(for: $0.rule.pattern) }
        let scalar = LiteralPrefilter(rules: literals, hexRuns: set.hexRuns, vectorScan: false)
        let vector = LiteralPrefilter(rules: literals, hexRuns: set.hexRuns)
        #expect(!scalar.vectorScan)
        if correlate_pair_scan_available() == 0 { return }  // nothing to compare on this processor
        #expect(vector.vectorScan)
        let one = AnchorHits(), other = AnchorHits()
        var differ: [String] = []
        // A line with more candidates than one call of the vectorised scan hands back.
        let long = String(repeating: #"[trace_id=4bf92f3577b34da6a3ce929d0e0e4736 "span_id":"00f067aa0ba902b7" "#, count: 400)
        for line in try Self.corpus() + [long] {
            var copy = line
            copy.withUTF8 { bytes in
                let a = scalar.scan(bytes, hits: one), b = vector.scan(bytes, hits: other)
                let hitsA = (0..<one.count).map { "\(one.positions[$0]):\(one.rules[$0])" }
                let hitsB = (0..<other.count).map { "\(other.positions[$0]):\(other.rules[$0])" }
                if a != b || hitsA != hitsB { differ.append(line) }
            }
        }
        #expect(differ.isEmpty, "\(differ.prefix(3))")
    }

    /// Testing the byte after a key pair before comparing its literals changes no candidate
    /// rule and no anchor hit — on the corpus (as written, upper-cased, framed), on each of its
    /// lines cut after every key pair (the pair then ends the text), and on random text of the
    /// literals' bytes, both cases and bytes past ASCII.
    @Test func theNextByteTestChangesNothing() throws {
        let set = try RuleLoader.load(RuleLoader.shippedSources()).ruleSet
        let literals = set.rules.map { RuleSet.literals(for: $0.rule.pattern) }
        let every = LiteralPrefilter(rules: literals, hexRuns: set.hexRuns, nextByteTest: false)
        let tested = LiteralPrefilter(rules: literals, hexRuns: set.hexRuns)
        let keys = Set(tested.keyPairs)
        var texts: [[UInt8]] = try Self.corpus().map { Array($0.utf8) }
        for line in texts {
            for position in 0..<max(0, line.count - 1) {
                let pair = Int(RegexSubsetParser.fold(line[position])) | Int(RegexSubsetParser.fold(line[position + 1])) << 8
                if keys.contains(pair) { texts.append(Array(line[..<(position + 2)])) }
            }
        }
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("\"[]=-_:,. ()|0123456789abcdefABCDEFtrace_idspanTRACEjobxyzé".utf8) + [0xFF, 0x80]
        for length in 0..<400 { texts.append((0..<length).map { _ in alphabet.randomElement(using: &generator)! }) }
        let one = AnchorHits(), other = AnchorHits()
        var differ: [String] = []
        var anchorHits = 0
        for var text in texts {
            text.withUnsafeMutableBufferPointer { mutable in
                let bytes = UnsafeBufferPointer(mutable)
                let a = every.scan(bytes, hits: one), b = tested.scan(bytes, hits: other)
                let hitsA = (0..<one.count).map { "\(one.positions[$0]):\(one.rules[$0])" }
                let hitsB = (0..<other.count).map { "\(other.positions[$0]):\(other.rules[$0])" }
                if a != b || hitsA != hitsB { differ.append(String(decoding: bytes, as: UTF8.self)) }
                anchorHits += other.count
            }
        }
        #expect(texts.count > 10_000)
        #expect(anchorHits > 1_000)
        #expect(differ.isEmpty, "\(differ.prefix(3))")
    }

    /// The byte after a key pair passes over what no literal can start there: the `"timestamp"`
    /// of a JSON line (the literals keyed by `"t` are `"tr…`), and a quoted value that is no
    /// hex id (`"0.5"`: `"0` keys a quoted B3 id, checked for 16 hex digits after the quote,
    /// and the `" "0"` of quoted B3 headers).
    @Test func theNextByteTestPassesOverCommonJSONKeys() throws {
        let set = try RuleLoader.load(RuleLoader.shippedSources()).ruleSet
        let prefilter = set.prefilter
        let keys = Set(prefilter.keyPairs)
        func mayKey(_ text: String, at position: Int) -> Bool {
            var copy = text
            return copy.withUTF8 { bytes in
                let pair = Int(bytes[position]) | Int(bytes[position + 1]) << 8
                let folded = Int(RegexSubsetParser.fold(bytes[position])) | Int(RegexSubsetParser.fold(bytes[position + 1])) << 8
                #expect(keys.contains(folded), "no key pair at \(position) of \(text)")
                return prefilter.mayKey(pair, at: position, bytes.baseAddress!, bytes.count)
            }
        }
        let quoteT = Int(UInt8(ascii: "\"")) | Int(UInt8(ascii: "t")) << 8
        let quoteZero = Int(UInt8(ascii: "\"")) | Int(UInt8(ascii: "0")) << 8
        try #require(prefilter.keyPairs.contains(quoteT) && prefilter.keyPairs.contains(quoteZero))
        #expect(!mayKey(#"{"timestamp": "2026-11-25"}"#, at: 1))
        #expect(mayKey(#"{"trace_id": "4bf92f3577b34da6a3ce929d0e0e4736"}"#, at: 1))
        #expect(mayKey(#"{"TRACE_ID": "4bf92f3577b34da6a3ce929d0e0e4736"}"#, at: 1))
        #expect(!mayKey(#"{"ratio": "0.5", "n": 1}"#, at: 10))
        // `"0"` is verified: `" "0"` (quoted B3 headers in an access log) is keyed by `"0` too.
        #expect(mayKey(#"{"trace_id": "0", "n": 1}"#, at: 13))
        #expect(mayKey(#"{"b3": "0af7651916cd43dd8448eb211c80319c"}"#, at: 7))
        #expect(!mayKey(#"{"x": "0"#, at: 6))  // the text ends after the pair
        // `"2` keys only a quoted B3 id: the seven bytes after the pair must be hex digits.
        let quoteTwo = Int(UInt8(ascii: "\"")) | Int(UInt8(ascii: "2")) << 8
        try #require(prefilter.keyPairs.contains(quoteTwo))
        #expect(!mayKey(#"{"ts": "2026-11-25T08:32:26Z"}"#, at: 7))
        #expect(!mayKey(#"{"n": "2a3b4c"}"#, at: 6))
        #expect(!mayKey(#"{"n": "2a3b4c"#, at: 6))  // the text ends within the seven
        // The same, the bytes past the text's end hex digits: they are not read.
        let past = Array(#"{"n": "2a3b4c5d6e"}"#.utf8)
        #expect(!past.withUnsafeBufferPointer { prefilter.mayKey(quoteTwo, at: 6, $0.baseAddress!, 13) })
        #expect(mayKey(#"{"n": "2a3b4c5d"}"#, at: 6))
        #expect(mayKey(#"{"b3": "2A3B4C5D6E7F8091-00f067aa0ba902b7"}"#, at: 7))
    }

    /// A rule whose hits are checked for a run of hex digits at a fixed place is looked for by
    /// the bytes before the run only: `[trace_id=`, not 16 strings `[trace_id=0`…`[trace_id=f`.
    @Test func anchorLiteralsStopWhereTheCheckedRunStarts() throws {
        let set = try RuleLoader.load(RuleLoader.shippedSources()).ruleSet
        var checked = 0
        for index in set.rules.indices {
            guard let run = set.checkedHexRun(ofRule: index) else { continue }
            checked += 1
            for literal in set.requiredLiterals(ofRule: index) where run.offset >= 2 {
                #expect(literal.utf8.count <= run.offset, "\(set.rules[index].rule.name): \(literal)")
            }
        }
        #expect(checked >= 3)
        let python = try #require(set.rules.firstIndex { $0.rule.name == "otel-python-logging" })
        #expect(set.requiredLiterals(ofRule: python) == ["[trace_id="])
    }

    /// Literals that share text share their key pair (one call compares them all) when that
    /// pair is not much more frequent than their own rarest; a literal alone keeps its rarest.
    @Test func literalsSharingTextShareTheirKey() {
        let shared: [[UInt8]] = ["trace_id", "\"trace_id", "trace_id="].map { Array($0.utf8) }
        let alone = Array("nr-linking|".utf8)
        let offsets = LiteralPrefilter.sharedKeyOffsets(Set(shared + [alone]))
        let keys = Set(shared.map { literal in Array(literal[offsets[literal]!...].prefix(2)) })
        #expect(keys.count == 1, "\(keys.map { String(decoding: $0, as: UTF8.self) })")
        #expect(offsets[alone] == RequiredLiterals.keyOffset(of: alone))
        // Each on its own would be keyed by a pair of its own.
        let own = Set(shared.map { literal in Array(literal[RequiredLiterals.keyOffset(of: literal)...].prefix(2)) })
        #expect(own.count > 1)
    }

    /// The pair frequencies are those of the log fixtures, as the recipe measures them
    /// (scripts/generate-pair-frequencies.py: every `*.log` of the shapes, each file weighing
    /// the same): the fixtures' most frequent pairs are all in the table.
    @Test func thePairTableIsTheFixturesMeasure() throws {
        // The most frequent pairs of the fixtures, counted here, are all in the table.
        var counts: [Int: Double] = [:]
        for path in try FileManager.default.contentsOfDirectory(atPath: Fixtures.fixture("shapes")) where path.hasSuffix(".log") {
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: Fixtures.fixture("shapes") + "/" + path)))
            var file: [Int: Double] = [:]
            for index in 0..<max(0, bytes.count - 1) where bytes[index] != 0x0A && bytes[index + 1] != 0x0A {
                file[Int(RegexSubsetParser.fold(bytes[index])) | Int(RegexSubsetParser.fold(bytes[index + 1])) << 8, default: 0] += 1
            }
            let total = file.values.reduce(0, +)
            for (pair, count) in file { counts[pair, default: 0] += count / total }
        }
        let listed = Set(PairFrequency.measured.map { Int($0 >> 16) })
        for (pair, _) in counts.sorted(by: { $0.value > $1.value }).prefix(50) {
            #expect(listed.contains(pair), "pair \(pair & 0xFF), \(pair >> 8)")
        }
    }
}
