import Testing
@testable import CorrelateExtract
import CorrelateModel

private func rules(_ yaml: String) throws -> RuleSet {
    try RuleLoader.load([RuleSource(path: "test.yaml", text: yaml)]).ruleSet
}

private func extract(_ set: RuleSet, _ line: String) -> (Extraction, String?) {
    var copy = line
    let extractor = set.makeExtractor()
    return copy.withUTF8 { bytes in
        let result = extractor.extract(bytes)
        let job = result.jobID.map { String(decoding: UnsafeBufferPointer(rebasing: bytes[$0]), as: UTF8.self) }
        return (result, job)
    }
}

@Suite struct ExtractorTests {
    @Test func shippedRulesLinkEveryShape() throws {
        let set = try RuleLoader.load(RuleLoader.shippedSources()).ruleSet
        let cases: [(String, String?, String?)] = [
            ("traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"),
            (#"{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7"}"#, "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"),
            ("msg=x trace.id=4bf92f3577b34da6a3ce929d0e0e4736", "4bf92f3577b34da6a3ce929d0e0e4736", nil),
            (#"{"traceID": "4bf92f3577b34da6a3ce929d0e0e4736"}"#, "4bf92f3577b34da6a3ce929d0e0e4736", nil),
            ("b3: 4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1", "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"),
            ("X-B3-TraceId: 4bf92f3577b34da6a3ce929d0e0e4736 X-B3-SpanId: 00f067aa0ba902b7", "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"),
            ("X-Amzn-Trace-Id: Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;Parent=00f067aa0ba902b7", "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"),
            ("dd.trace_id=6287283486958226135 dd.span_id=42", "00000000000000005740eb051a530ad7", "000000000000002a"),
            ("[trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7 resource.service.name=w trace_sampled=True] - hi", "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"),
            (#"{"otelTraceID": "4bf92f3577b34da6a3ce929d0e0e4736", "otelSpanID": "00f067aa0ba902b7"}"#, "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"),
            (#"{"dd.trace_id": "6287283486958226135"}"#, "00000000000000005740eb051a530ad7", nil),
        ]
        for (line, trace, span) in cases {
            let (result, _) = extract(set, line)
            #expect(result.traceID?.description == trace, "\(line)")
            #expect(result.spanID?.description == span, "\(line)")
        }
    }

    @Test func jobIDAndTraceIDOnOneLine() throws {
        let set = try RuleLoader.load(RuleLoader.shippedSources()).ruleSet
        let (result, job) = extract(set, "2026-11-25 08:32:27,333 INFO [export_api] [producer.py:136] [trace_id=cddaa145622ea1854204e01d78b04e0d span_id=e116d5a2f2dc2eaf resource.service.name=export-api trace_sampled=True] - enqueued jobs.tasks.export_report task_id=f9655494-72cf-44b9-8777-27a3bc223310 queue=exports")
        #expect(result.traceID?.description == "cddaa145622ea1854204e01d78b04e0d")
        #expect(job == "f9655494-72cf-44b9-8777-27a3bc223310")
        #expect(set.rules[try #require(result.ruleIndex)].rule.name == "otel-python-logging")
    }

    @Test func zeroIDsAreCountedNotLinked() throws {
        let set = try RuleLoader.load(RuleLoader.shippedSources()).ruleSet
        let (result, _) = extract(set, #"{"trace_id": "00000000000000000000000000000000", "span_id": "0000000000000000"}"#)
        #expect(!result.isLinked)
        #expect(result.rejectedZeroID)
        #expect(!extract(set, "trace_id=0 span_id=0").0.isLinked)
    }

    @Test func higherPriorityRuleWinsWhateverItsPosition() throws {
        let set = try rules("""
            rules:
              - name: low
                priority: 1
                pattern: 'low=(?<trace_id>[0-9a-f]{32})'
              - name: high
                priority: 9
                pattern: 'high=(?<trace_id>[0-9a-f]{32})'
            """)
        let (result, _) = extract(set, "low=11111111111111111111111111111111 high=22222222222222222222222222222222")
        #expect(result.traceID?.description == "22222222222222222222222222222222")
        #expect(set.rules[try #require(result.ruleIndex)].rule.name == "high")
    }

    @Test func ruleGroupsOverrideDecodedFields() throws {
        let set = try rules("""
            rules:
              - name: full
                pattern: '^(?<ts>\\S+) (?<level>\\w+) (?<service>\\w+) id=(?<trace_id>[0-9a-f]{32}) (?<message>.*)$'
            """)
        var line = "2026-11-25T08:32:27Z ERROR api id=4bf92f3577b34da6a3ce929d0e0e4736 it broke"
        let extractor = set.makeExtractor()
        line.withUTF8 { bytes in
            let result = extractor.extract(bytes)
            #expect(result.timestamp?.description == "2026-11-25T08:32:27.000000Z")
            #expect(result.severity == .error)
            #expect(result.service.map { String(decoding: UnsafeBufferPointer(rebasing: bytes[$0]), as: UTF8.self) } == "api")
            #expect(result.message.map { String(decoding: UnsafeBufferPointer(rebasing: bytes[$0]), as: UTF8.self) } == "it broke")
        }
    }

    @Test func catastrophicRuleHitsTheLimitAndIsCounted() throws {
        let set = try rules("""
            rules:
              - name: slow
                pattern: '^(a+)+$(?<trace_id>[0-9a-f]{32})'
            """)
        let extractor = set.makeExtractor(limits: .init(matchLimit: 10_000))
        var line = String(repeating: "a", count: 60) + "!"
        let result = line.withUTF8 { extractor.extract($0) }
        #expect(result.limitExceeded)
        #expect(extractor.limitHits == 1)
    }

    @Test func extendedModeCommentDoesNotSwallowTheNextRule() throws {
        let set = try rules("""
            rules:
              - name: commented
                priority: 5
                pattern: '(?x) a=(?<trace_id>[0-9a-f]{32})  # the id'
              - name: plain
                priority: 1
                pattern: 'b=(?<trace_id>[0-9a-f]{32})'
            """)
        #expect(extract(set, "b=22222222222222222222222222222222").0.traceID != nil)
        #expect(extract(set, "a=11111111111111111111111111111111").0.traceID != nil)
    }
}
