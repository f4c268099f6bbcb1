import Foundation
import Testing
import CorrelateTestSupport

/// Issue 10's failing inputs, each with the value it must yield (made-up ids).
@Suite struct IssueTenExamplesTests {
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var text: String
        var trace: String?
        var span: String?
        var job: String? = nil
        var severity: String? = nil
        var message: String? = nil
        var records = 1
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "Spring Boot 3.2+ correlation",
             text: "2026-01-14T10:00:00.123+01:00  INFO 4242 --- [billing-worker] [nio-8080-exec-1] [6efb829825dcd16b628a241d274d8c7c-d364628f4ab28d28] c.a.billing.InvoiceController            : invoice 42 queued\n",
             trace: "6efb829825dcd16b628a241d274d8c7c", span: "d364628f4ab28d28", severity: "info"),
        Case(name: "Datadog 128-bit in text",
             text: "2026-01-14 10:00:00,123 INFO [export_worker] [tasks.py:88] [dd.service=export-worker dd.env=prod dd.trace_id=6790c1a500000000a395911f5a605543 dd.span_id=1079381604753938458] - export 77 rendered\n",
             trace: "6790c1a500000000a395911f5a605543", span: "0efabbd9c873181a"),
        Case(name: "Datadog 128-bit in JSON",
             text: #"{"message":"export 78 rendered","status":"info","dd.trace_id":"6790c1a500000000a395911f5a605543","dd.span_id":"1079381604753938458"}"# + "\n",
             trace: "6790c1a500000000a395911f5a605543", span: "0efabbd9c873181a"),
        Case(name: "Google Cloud Logging",
             text: #"{"severity":"INFO","message":"render finished","time":"2026-01-14T10:00:00.123Z","logging.googleapis.com/trace":"projects/acme-prod-123/traces/93ebfc352278516622661da43753618e","logging.googleapis.com/spanId":"305478d3cef47ab8","logging.googleapis.com/trace_sampled":true}"# + "\n",
             trace: "93ebfc352278516622661da43753618e", span: "305478d3cef47ab8", severity: "info"),
        Case(name: ".NET simple console with scopes",
             text: "2026-01-14 10:00:00.123 +00:00 info: Billing.Worker.InvoiceConsumer[0]\n      => SpanId:6265ebaba9987842, TraceId:754e82d64d597d44253e2ece69cf9935, ParentId:0000000000000000 => MessageId:7f3a2b1c\n      Rendering invoice 42\n",
             trace: "754e82d64d597d44253e2ece69cf9935", span: "6265ebaba9987842", severity: "info"),
        Case(name: "ANSI colour",
             text: "2026-01-14 10:00:01 [\u{1B}[32m\u{1B}[1minfo     \u{1B}[0m] \u{1B}[1mjob finished \u{1B}[0m \u{1B}[36mspan_id\u{1B}[0m=\u{1B}[35m08b2040d975287d6\u{1B}[0m \u{1B}[36mtrace_id\u{1B}[0m=\u{1B}[35m7fa1c6898f0477e7016cc7f53442dfe5\u{1B}[0m\n",
             trace: "7fa1c6898f0477e7016cc7f53442dfe5", span: "08b2040d975287d6", severity: "info",
             message: "job finished  span_id=08b2040d975287d6 trace_id=7fa1c6898f0477e7016cc7f53442dfe5"),
        Case(name: "Kubernetes CRI partial lines",
             text: "2026-01-14T10:00:00.200000000Z stdout P {\"level\":\"error\",\"msg\":\"job failed\",\"trace_id\":\"abb1e205868575ad928e\n2026-01-14T10:00:00.200000000Z stdout F ddbe8f53436c\",\"span_id\":\"84f4133c3af3e527\",\"err\":\"upstream timeout\"}\n",
             trace: "abb1e205868575ad928eddbe8f53436c", span: "84f4133c3af3e527", severity: "error", message: "job failed"),
        Case(name: "Go panic with its goroutine dump",
             text: "2026/01/14 10:00:02 worker: picked job id=job-78 trace_id=254fb3245d7030020b74bd0862af5c43\npanic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x48f2a3]\n\ngoroutine 7 [running]:\nmain.process(0x0)\n\t/app/worker.go:88 +0x23\ncreated by main.main in goroutine 1\n\t/app/main.go:20 +0x85\nexit status 2\n",
             trace: "254fb3245d7030020b74bd0862af5c43", span: nil),
        Case(name: "Sidekiq job id behind syslog",
             text: "Jan 14 10:00:00 worker-7 sidekiq[5921]: 2026-01-14T10:00:00.042Z pid=5921 tid=b8q4 class=InvoiceJob jid=7c1e9a4b2d3f5e6a8b9c0d1e INFO: start\n",
             trace: nil, span: nil, job: "7c1e9a4b2d3f5e6a8b9c0d1e", severity: "info"),
    ]

    @Test(arguments: cases)
    func eachInputYieldsItsValue(_ item: Case) throws {
        let file = try Fixtures.temporaryDirectory("issue10").appendingPathComponent("input.log")
        try Data(item.text.utf8).write(to: file)
        for threads in [1, 2] {
            let result = try runExtract([file.path], threads: threads)
            #expect(result.records.count == item.records, "\(item.name): \(result.records)")
            let record = try #require(result.records.first)
            #expect(record.string("trace_id") == item.trace, "\(item.name)")
            #expect(record.string("span_id") == item.span, "\(item.name)")
            #expect(record.string("job_id") == item.job, "\(item.name)")
            if let severity = item.severity { #expect(record.string("severity") == severity, "\(item.name)") }
            if let message = item.message { #expect(record.string("message") == message, "\(item.name)") }
            #expect(!(record.string("message") ?? "").contains("\u{1B}"), "no escape bytes in the message")
        }
    }

    @Test func theGoPanicIsOneRecordOfTenLines() throws {
        let file = try Fixtures.temporaryDirectory("issue10").appendingPathComponent("panic.log")
        try Data(Self.cases.first { $0.name.hasPrefix("Go panic") }!.text.utf8).write(to: file)
        let result = try runExtract([file.path])
        #expect(result.records.count == 1)
        #expect(result.records.first?.sourceLines == 10)
    }
}
