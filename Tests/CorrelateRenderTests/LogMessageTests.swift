import Testing
import CorrelateModel
import CorrelateRender

/// What a waterfall shows of a message: the parts that repeat the record's own fields taken
/// off, for each logging setup whose lines carry them (messages as `correlate extract` reads
/// them from `Tests/Fixtures/shapes/` and the Celery sample).
@Suite struct LogMessageTests {
    @Test(arguments: [
        // OpenTelemetry's Python logging instrumentation, outside a span (the Celery sample).
        ("[trace_id=0 span_id=0 resource.service.name=celery-worker trace_sampled=False] - telemetry initialised", "telemetry initialised"),
        // The whole Python logging header when a wrapper kept it in the message.
        ("[jobs.worker] [celery_app.py:61] [trace_id=0 span_id=0 resource.service.name=celery-worker trace_sampled=False] - ready", "ready"),
        // Datadog's Python log injection.
        ("[export_worker] [worker.py:31] [dd.service=export-worker dd.env=prod dd.trace_id=0 dd.span_id=0] - worker ready, 4 threads", "worker ready, 4 threads"),
        // Bare fields in front: Erlang's logger template, the OTel Java agent's MDC pattern.
        ("trace_id=1ba889258fde0f4952be5d1019971eb4 span_id=95cd5222018e6564 order 1001 accepted", "order 1001 accepted"),
        // Elixir's metadata before the level.
        ("otel_trace_id=c5350f365aa49b630a8fc84a379f80e3 otel_span_id=9015b4941affe0d8 [info] POST /orders", "POST /orders"),
        // Log4j2 with OpenTelemetry context data.
        ("[http-nio-8080-exec-1] INFO  com.acme.orders.OrderController trace_id=6d2033c988a7cfa259e04f559af6b710 span_id=117a999a7f0d3f5e trace_flags=01 - order 1001 accepted", "order 1001 accepted"),
        // Spring Boot 3 with Micrometer's correlation id, and Sleuth 2.
        ("4242 --- [billing-worker] [nio-8080-exec-1] [6efb829825dcd16b628a241d274d8c7c-d364628f4ab28d28] c.a.billing.InvoiceController    : invoice 42 created", "invoice 42 created"),
        ("[billing,563f6406f236c93a,563f6406f236c93a,false] 23030 --- [nio-8081-exec-3] c.a.billing.InvoiceController            : tax computed", "tax computed"),
        // Trailing fields: structlog, klog, NLog's and Serilog's pipes, syslog structured data.
        ("job finished  span_id=08b2040d975287d6 trace_id=7fa1c6898f0477e7016cc7f53442dfe5", "job finished"),
        ("payment failed trace_id=4bf92f3577b34da6a3ce929d0e0e4736", "payment failed"),
        ("Order 1001 accepted|TraceId=23b51ad149f96aa756b2bf2c429120e7|SpanId=5e7e1d9c988b8fed|ParentId=0000000000000000", "Order 1001 accepted"),
        ("Order 1001 accepted\n|TraceId=de624d95ba84f01c1ae92be66db1aab5|SpanId=dada7b3659fec8a3|TraceFlags=Recorded", "Order 1001 accepted"),
        ("request served [otel trace_id=\"8bf92f3577b34da6a3ce929d0e0e4736\" span_id=\"30f067aa0ba902b7\"]", "request served"),
        // .NET's console logger: category line and scope line off.
        ("Billing.Worker.InvoiceConsumer[0]\n      => SpanId:6265ebaba9987842, TraceId:754e82d64d597d44253e2ece69cf9935, ParentId:0000000000000000\n      Invoice 42 consumed", "Invoice 42 consumed"),
        // Celery's task logger.
        ("jobs.tasks.export_report[c4f43205-10bc-4621-92d1-00ea826c6f80]: exporting report rpt-90715", "exporting report rpt-90715"),
    ])
    func strippedOfWhatTheRecordCarries(message: String, shown: String) {
        #expect(LogMessage.stripped(message) == shown)
    }

    @Test(arguments: [
        // The job's own line: the task name and id are the message.
        "Task jobs.tasks.export_report[c4f43205-10bc-4621-92d1-00ea826c6f80] received",
        // A request id is not trace context; a bracket of other things stays.
        "[df5bbdb9-f5f3-423c-8bea-47ad03266a30] Started POST \"/invoices\" for 10.1.2.3",
        "[PID 4242] [MainThread] [dramatiq.MainProcess] [INFO] Dramatiq '1.17.1' is booting up.",
        // Fields that are not context, and a message that is nothing but context.
        "retrying export attempt=2",
        "trace_id=4bf92f3577b34da6a3ce929d0e0e4736",
    ])
    func keptWhole(message: String) {
        #expect(LogMessage.stripped(message) == message)
    }

    @Test func uuidsShortenedOnlyWhenWhole() {
        #expect(LogMessage.shorteningUUIDs("Task x[c4f43205-10bc-4621-92d1-00ea826c6f80] received") == "Task x[c4f43205…] received")
        #expect(LogMessage.shorteningUUIDs("id c4f43205-10bc-4621-92d1-00ea826c6f80a") == "id c4f43205-10bc-4621-92d1-00ea826c6f80a")
        #expect(LogMessage.shorteningUUIDs("no id here") == "no id here")
    }
}
