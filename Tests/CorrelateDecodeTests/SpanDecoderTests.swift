import Foundation
import Testing
import CorrelateDecode
import CorrelateModel
import CorrelateTestSupport
import CorrelateJSON

private func decodeFile(_ path: String) throws -> DecodedSpans {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    return try SpanDocumentDecoder.decode(try JSONDocument.parse(text))
}

@Suite struct SpanDecoderTests {
    @Test func otlpJSONFromTheCollectorFileExporter() throws {
        let text = try String(contentsOfFile: Fixtures.celery("traces.otlp.jsonl"), encoding: .utf8)
        var spans: [Span] = []
        for line in text.split(separator: "\n") {
            let decoded = try SpanDocumentDecoder.decode(try JSONDocument.parse(String(line)))
            #expect(decoded.format == .otlpJSON)
            #expect(decoded.rejected == 0)
            spans += decoded.spans
        }
        #expect(spans.count == 139)
        let enqueue = try #require(spans.first { $0.spanID == SpanID(hex: "e9af532a59bc6a9d") })
        #expect(enqueue.traceID == TraceID(hex: "cddaa145622ea1854204e01d78b04e0d"))
        #expect(enqueue.parentSpanID == SpanID(hex: "e116d5a2f2dc2eaf"))
        #expect(enqueue.name == "apply_async/jobs.tasks.export_report")
        #expect(enqueue.kind == .producer)
        #expect(enqueue.service == "export-api")
        #expect(enqueue.messageID == "f9655494-72cf-44b9-8777-27a3bc223310")
        #expect(enqueue.destination == "exports")
        #expect(enqueue.start.nanoseconds == 1_795_595_547_322_478_209)
        #expect(enqueue.end.nanoseconds == 1_795_595_547_333_704_122)
        #expect(enqueue.resource["host.name"] == .string("api-1"))
        let failed = spans.filter { $0.hasError && $0.kind == .consumer }
        #expect(failed.count == 3)
        #expect(failed.allSatisfy { $0.events.contains { $0.name == "exception" } })
    }

    @Test func anyValueShapes() throws {
        let line = #"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},"scopeSpans":[{"spans":[{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7","name":"s","kind":"SPAN_KIND_CLIENT","startTimeUnixNano":"1","endTimeUnixNano":2,"status":{"code":"STATUS_CODE_ERROR","message":"boom"},"attributes":[{"key":"s","value":{"stringValue":"x"}},{"key":"b","value":{"boolValue":true}},{"key":"i","value":{"intValue":"9007199254740993"}},{"key":"d","value":{"doubleValue":1.5}},{"key":"y","value":{"bytesValue":"AAH/"}},{"key":"a","value":{"arrayValue":{"values":[{"intValue":1},{"stringValue":"two"}]}}},{"key":"m","value":{"kvlistValue":{"values":[{"key":"k","value":{"boolValue":false}}]}}}]}]}]}]}"#
        let decoded = try SpanDocumentDecoder.decode(try JSONDocument.parse(line))
        let span = try #require(decoded.spans.first)
        #expect(span.kind == .client)
        #expect(span.status == .error)
        #expect(span.statusMessage == "boom")
        #expect(span.attributes["s"] == .string("x"))
        #expect(span.attributes["b"] == .bool(true))
        #expect(span.attributes["i"] == .int(9_007_199_254_740_993))
        #expect(span.attributes["d"] == .double(1.5))
        #expect(span.attributes["y"] == .bytes([0, 1, 255]))
        #expect(span.attributes["a"] == .array([.int(1), .string("two")]))
        #expect(span.attributes["m"] == .keyValues([Attribute("k", .bool(false))]))
    }

    @Test func invalidAndAllZeroIDsAreRejectedAndCounted() throws {
        let line = #"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"00000000000000000000000000000000","spanId":"00f067aa0ba902b7","name":"zero"},{"traceId":"xyz","spanId":"00f067aa0ba902b7","name":"bad"},{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"0000000000000000","name":"zero span"},{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7","name":"good"}]}]}]}"#
        let decoded = try SpanDocumentDecoder.decode(try JSONDocument.parse(line))
        #expect(decoded.spans.map(\.name) == ["good"])
        #expect(decoded.rejected == 3)
        #expect(decoded.firstRejection == #"span 1 ("zero"): all-zero trace id"#)
    }

    /// Each format says which span of the document was left out first, and why.
    @Test(arguments: [
        (#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7","name":"ok"},{"traceId":"xyz","spanId":"00f067aa0ba902b7","name":"bad"}]}]}]}"#,
         #"span 2 ("bad"): trace id 'xyz' is neither hex nor base64 of the right length"#),
        (#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","name":"no id"}]}]}]}"#,
         #"span 1 ("no id"): no span id"#),
        (#"{"data":[{"traceID":"4bf92f3577b34da6a3ce929d0e0e4736","spans":[{"traceID":"4bf92f3577b34da6a3ce929d0e0e4736","spanID":"0000000000000000","operationName":"zero","startTime":1}],"processes":{}}]}"#,
         #"span 1 ("zero"): all-zero span id"#),
        (#"[{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","id":"00f067aa0ba902b7","name":"untimed"}]"#,
         #"span 1 ("untimed"): no start time"#),
        // A name or id with line breaks (a log record read as a span) stays on one line.
        (#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"a\nb","spanId":"00f067aa0ba902b7","name":"\ntelemetry\tinitialised\u0007"}]}]}]}"#,
         #"span 1 ("\ntelemetry\tinitialised\u{7}"): trace id 'a\nb' is neither hex nor base64 of the right length"#),
    ])
    func theFirstSpanLeftOutIsNamedWithItsReason(_ document: String, _ expected: String) throws {
        let decoded = try SpanDocumentDecoder.decode(try JSONDocument.parse(document))
        #expect(decoded.rejected == 1)
        #expect(decoded.firstRejection == expected)
    }

    @Test func jaegerQueryAPIJSON() throws {
        let decoded = try decodeFile(Fixtures.fixture("spans/jaeger.json"))
        #expect(decoded.format == .jaeger)
        #expect(decoded.spans.count == 3)
        let consumer = try #require(decoded.spans.first { $0.name == "process orders" })
        #expect(consumer.kind == .consumer)
        #expect(consumer.parentSpanID == SpanID(hex: "1111111111111111"))
        #expect(consumer.service == "orders-worker")
        #expect(consumer.hasError)
        #expect(consumer.events.first?.name == "exception")
        #expect(consumer.events.first?.attributes["exception.message"] == .string("out of stock"))
        #expect(consumer.start.nanoseconds == 1_795_595_549_012_000_000)
        #expect(consumer.durationMilliseconds == 100)
        #expect(consumer.attributes["span.kind"] == nil)
        let server = try #require(decoded.spans.first { $0.name == "POST /orders" })
        #expect(server.attributes["http.status_code"] == .int(202))
        #expect(server.resource["hostname"] == .string("api-1"))
    }

    @Test func zipkinV2JSON() throws {
        let decoded = try decodeFile(Fixtures.fixture("spans/zipkin.json"))
        #expect(decoded.format == .zipkin)
        #expect(decoded.spans.count == 3)
        #expect(decoded.rejected == 1)
        let consumer = try #require(decoded.spans.first { $0.name == "consume" })
        #expect(consumer.kind == .consumer)
        #expect(consumer.service == "mailer")
        #expect(consumer.status == .error)
        #expect(consumer.statusMessage == "smtp timeout")
        #expect(consumer.events.map(\.name) == ["retry"])
        #expect(consumer.messageID == "m-1")
    }

    @Test func unknownDocumentsAreRefusedWithAReason() {
        #expect(throws: SpanDecodingError.self) {
            _ = try SpanDocumentDecoder.decode(try JSONDocument.parse(#"{"hello": "world"}"#))
        }
        #expect(throws: SpanDecodingError.self) {
            _ = try SpanDocumentDecoder.decode(try JSONDocument.parse("42"))
        }
    }
}
