import Testing
import CorrelateDecode
import CorrelateModel

/// Decodes `line` and hands back the decoded fields as strings, for readable assertions.
struct Decoded {
    var format: LogFormat
    var timestamp: String?
    var severity: Severity?
    var service: String?
    var host: String?
    var message: String?
    var matchText: String?
    var problem: String?
    var leadingTimestamp: Bool
    var shape: LineShape
    var streamKey: UInt64

    init(_ line: String, format: LogFormat = .auto) {
        var decoder = LogDecoder(format: format)
        var copy = line
        var result: Decoded!
        copy.withUTF8 { bytes in
            let decoded = decoder.decode(bytes)
            func text(_ ref: TextRef) -> String? {
                if ref.isNone { return nil }
                return decoder.withBytes(ref, in: bytes) { String(decoding: $0, as: UTF8.self) }
            }
            result = Decoded(
                format: decoded.format, timestamp: decoded.timestamp?.description,
                severity: decoded.severity, service: text(decoded.service), host: text(decoded.host),
                message: text(decoded.message), matchText: text(decoded.matchText),
                problem: decoded.problem, leadingTimestamp: decoded.leadingTimestamp,
                shape: decoded.shape, streamKey: decoded.streamKey)
        }
        self = result
    }

    private init(
        format: LogFormat, timestamp: String?, severity: Severity?, service: String?, host: String?,
        message: String?, matchText: String?, problem: String?, leadingTimestamp: Bool,
        shape: LineShape, streamKey: UInt64
    ) {
        self.format = format
        self.timestamp = timestamp
        self.severity = severity
        self.service = service
        self.host = host
        self.message = message
        self.matchText = matchText
        self.problem = problem
        self.leadingTimestamp = leadingTimestamp
        self.shape = shape
        self.streamKey = streamKey
    }
}

@Suite struct JournaldDecoderTests {
    let entry = #"{"__CURSOR":"s=1;i=2","__REALTIME_TIMESTAMP":"1795595546478776","PRIORITY":"3","SYSLOG_IDENTIFIER":"celery","_PID":"25779","_SYSTEMD_UNIT":"celery-worker.service","_HOSTNAME":"worker-1","MESSAGE":"2026-11-25 08:32:26,478 INFO [jobs.worker] [trace_id=0 span_id=0] - \"ready\" \u00e9"}"#

    @Test func journaldMessageAsStringDecodes() {
        let decoded = Decoded(entry)
        #expect(decoded.format == .journald)
        #expect(decoded.timestamp == "2026-11-25T08:32:26.478776Z")
        #expect(decoded.service == "celery-worker")
        #expect(decoded.host == "worker-1")
        #expect(decoded.message == "2026-11-25 08:32:26,478 INFO [jobs.worker] [trace_id=0 span_id=0] - \"ready\" é")
        #expect(decoded.matchText == decoded.message)
        #expect(decoded.leadingTimestamp)
        // The application's own level wins over journald's PRIORITY for stdout writers.
        #expect(decoded.severity == .info)
        #expect(decoded.streamKey != 0)
    }

    @Test func journaldMessageAsByteArrayDecodes() {
        let line = #"{"__REALTIME_TIMESTAMP":"1795595546478776","PRIORITY":"4","SYSLOG_IDENTIFIER":"app","MESSAGE":[116,114,97,99,101,95,105,100,61,255,10]}"#
        let decoded = Decoded(line)
        #expect(decoded.format == .journald)
        #expect(decoded.problem == nil)
        #expect(decoded.message.map { Array($0.utf8) } == String(decoding: [116, 114, 97, 99, 101, 95, 105, 100, 61, 255, 10] as [UInt8], as: UTF8.self).utf8.map { $0 })
        #expect(decoded.severity == .warn)
        #expect(decoded.service == "app")
    }

    @Test func journaldPriorityIsUsedWhenTheMessageHasNoLevel() {
        let line = #"{"__REALTIME_TIMESTAMP":"1","PRIORITY":"2","MESSAGE":"disk failing"}"#
        #expect(Decoded(line).severity == .fatal)
    }

    @Test func tracebackEntriesHaveContinuationShapes() {
        let header = #"{"__REALTIME_TIMESTAMP":"1","MESSAGE":"Traceback (most recent call last):"}"#
        let frame = #"{"__REALTIME_TIMESTAMP":"1","MESSAGE":"  File \"x.py\", line 1, in f"}"#
        let last = #"{"__REALTIME_TIMESTAMP":"1","MESSAGE":"jobs.tasks.UnsupportedImageFormat: cannot decode"}"#
        #expect(Decoded(header).shape == .tracebackHeader)
        #expect(Decoded(frame).shape == .indented)
        #expect(Decoded(last).shape == .exceptionLine)
    }
}

@Suite struct JSONLineDecoderTests {
    @Test func commonKeysAreRead() {
        let line = #"{"level": "WARNING", "logger": "x", "message": "slow \"query\"", "service": "export-api", "hostname": "vm1", "timestamp": "2026-11-25T08:32:27.054427+00:00"}"#
        let decoded = Decoded(line)
        #expect(decoded.format == .json)
        #expect(decoded.severity == .warn)
        #expect(decoded.service == "export-api")
        #expect(decoded.host == "vm1")
        #expect(decoded.timestamp == "2026-11-25T08:32:27.054427Z")
        // Message text is referenced still escaped; the writer re-escapes it for output.
        #expect(decoded.message == #"slow \"query\""#)
        #expect(decoded.matchText == line)
    }

    @Test func numericLevelsAndEpochTimes() {
        #expect(Decoded(#"{"level":50,"time":1795595546478,"msg":"pino"}"#).severity == .error)
        #expect(Decoded(#"{"level":50,"time":1795595546478,"msg":"pino"}"#).timestamp == "2026-11-25T08:32:26.478000Z")
        #expect(Decoded(#"{"severity_text":"ERROR","body":"otel"}"#).severity == .error)
    }

    @Test func truncatedJSONIsMalformedButKeepsWhatWasRead() {
        let decoded = Decoded(#"{"level": "INFO", "message": "enqueued task_id=3b4d", "trace_id": "a70c29"#)
        #expect(decoded.problem == "malformed JSON: truncated JSON")
        #expect(decoded.severity == .info)
        #expect(decoded.message == "enqueued task_id=3b4d")
        #expect(decoded.matchText == #"{"level": "INFO", "message": "enqueued task_id=3b4d", "trace_id": "a70c29"#)
    }

    @Test func pythonDictReprIsMalformed() {
        let decoded = Decoded("{'job': 10, 'task_id': 'a03365b1'}")
        #expect(decoded.problem == "malformed JSON: object key is not a double-quoted string")
        #expect(decoded.format == .plain)
    }

    @Test func trailingGarbageIsMalformed() {
        #expect(Decoded(#"{"a":1} tail"#).problem == "malformed JSON: data after the JSON object")
        #expect(Decoded(#"{"a":tru}"#).problem != nil)
        #expect(Decoded(#"{"a":[1,{"b":"]"}]}"#).problem == nil)
    }

    @Test func nestedValuesAreSkippedNotRead() {
        let decoded = Decoded(#"{"resource":{"service":"inner"},"service":"outer","message":"m"}"#)
        #expect(decoded.service == "outer")
    }
}

@Suite struct LogfmtAndPlainDecoderTests {
    @Test func logfmtPairs() {
        let decoded = Decoded(#"ts=2026-11-25T08:32:27Z level=error msg="job \"x\" failed" service=api host=h1 trace_id=abc"#)
        #expect(decoded.format == .logfmt)
        #expect(decoded.severity == .error)
        #expect(decoded.timestamp == "2026-11-25T08:32:27.000000Z")
        #expect(decoded.message == #"job \"x\" failed"#)
        #expect(decoded.service == "api")
        #expect(decoded.host == "h1")
    }

    @Test func logfmtUnterminatedQuoteIsMalformed() {
        let decoded = Decoded(#"level=info msg="never closed"#)
        #expect(decoded.problem != nil)
        #expect(decoded.message == "never closed")
    }

    @Test func celeryWorkerLine() {
        let decoded = Decoded("[2026-11-25 08:32:27,335: INFO/MainProcess] Task jobs.tasks.export_report[f9655494-72cf-44b9-8777-27a3bc223310] received")
        #expect(decoded.format == .plain)
        #expect(decoded.timestamp == "2026-11-25T08:32:27.335000Z")
        #expect(decoded.severity == .info)
        #expect(decoded.message == "Task jobs.tasks.export_report[f9655494-72cf-44b9-8777-27a3bc223310] received")
        #expect(decoded.leadingTimestamp)
    }

    @Test func pythonLoggingLine() {
        let decoded = Decoded("2026-11-25 08:32:34,999 WARNING [jobs.tasks] [tasks.py:50] - slow query")
        #expect(decoded.severity == .warn)
        #expect(decoded.message == "[jobs.tasks] [tasks.py:50] - slow query")
    }

    @Test func plainLineWithoutTimestamp() {
        let decoded = Decoded("absolutely not recommended!")
        #expect(decoded.timestamp == nil)
        #expect(decoded.severity == nil)
        #expect(decoded.message == "absolutely not recommended!")
        #expect(decoded.shape == .ordinary)
        #expect(Decoded("ERROR: disk full").severity == .error)
        #expect(Decoded("Error connecting").severity == nil)
    }

    @Test func nulBytesAndInvalidUTF8AreKept() {
        let decoded = Decoded("a\u{0}b \u{FFFD}")
        #expect(decoded.message == "a\u{0}b \u{FFFD}")
    }

    @Test func forcedFormatIsUsed() {
        #expect(Decoded(#"{"message":"x"}"#, format: .plain).format == .plain)
        #expect(Decoded("level=info msg=x", format: .plain).format == .plain)
    }
}
