import Foundation
import Testing
@testable import CorrelateExtract
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
        #expect(compared > 2000)
    }

    @Test func everyShippedRuleIsFiltered() throws {
        let set = try RuleLoader.load(RuleLoader.shippedSources()).ruleSet
        for index in set.rules.indices {
            #expect(!set.requiredLiterals(ofRule: index).isEmpty, "\(set.rules[index].rule.name) is tried on every line")
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
