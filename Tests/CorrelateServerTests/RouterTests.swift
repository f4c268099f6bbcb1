import Foundation
import Testing
import CorrelateExtract
import CorrelateModel
import CorrelatePipeline
@testable import CorrelateServer
import CorrelateStore
import CorrelateTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore

/// The server's routes driven through Hummingbird's router test framework: no socket, the real
/// routes, ingest core and store (a SQLite file). The loopback tests in CorrelateCLITests drive
/// the binary; these drive the routes one request at a time and read the store afterwards.
@Suite struct RouterTests {
    /// A server over a fresh store, its ingest core started; `body` runs against its router,
    /// then the core is stopped and the store returned for reading.
    /// `stopped` is handed the server once its core has stopped (for its closing line).
    static func withServer(
        token: String? = nil, queueCapacity: Int = 200_000, stopped: (CorrelateServer) -> Void = { _ in },
        _ body: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws -> SQLiteEventStore {
        let path = try Fixtures.temporaryDirectory("router").appendingPathComponent("store.db").path
        let store = try SQLiteEventStore(path: path)
        let rules = try RuleLoader.load(RuleLoader.shippedSources())
        let alertRules = try AlertRules.load(RuleLoader.shippedSources())
        let server = CorrelateServer(
            configuration: ServerConfiguration(token: token, queueCapacity: queueCapacity),
            store: store, reader: try SQLiteEventStore(path: path, access: .readOnly),
            ruleSet: rules.ruleSet, alertRules: alertRules, emit: { _ in })
        server.core.start()
        let app = Application(router: server.router())
        do {
            try await app.test(.router) { client in try await body(client) }
        } catch {
            try? server.core.finish()
            server.core.bundles.stop(budget: 0)
            throw error
        }
        try server.core.finish()
        server.core.bundles.stop(budget: 0)
        stopped(server)
        return try SQLiteEventStore(path: path, access: .readOnly)
    }

    static let trace = "4bf92f3577b34da6a3ce929d0e0e4736"

    static func otlpJSON(spanID: String = "00f067aa0ba902b7") -> ByteBuffer {
        ByteBuffer(string: """
            {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"worker"}}]},
            "scopeSpans":[{"spans":[{"traceId":"\(trace)","spanId":"\(spanID)","name":"run export",
            "kind":5,"startTimeUnixNano":"1764059546000000000","endTimeUnixNano":"1764059547000000000"},
            {"traceId":"00000000000000000000000000000000","spanId":"1111111111111111","name":"bad",
            "startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]}
            """)
    }

    @Test func otlpJSONSpansAreStoredBeforeTheAnswerAndRejectedOnesCounted() async throws {
        let store = try await Self.withServer { client in
            try await client.execute(uri: "/v1/traces", method: .post, headers: [.contentType: "application/json"],
                                     body: Self.otlpJSON()) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                let text = String(buffer: response.body)
                #expect(text.contains(#""rejectedSpans":"1""#), "\(text)")
            }
        }
        let spans = try store.spans(inTrace: TraceID(hex: Self.trace)!)
        #expect(spans.map(\.name) == ["run export"])
        #expect(spans.first?.service == "worker")
    }

    @Test func aBodyThatIsNotAnExportRequestIs400InTheRequestsEncoding() async throws {
        _ = try await Self.withServer { client in
            try await client.execute(uri: "/v1/traces", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: #"{"spans":[]}"#)) { response in
                #expect(response.status == .badRequest)
                let text = String(buffer: response.body)
                #expect(text.contains(#""code":3"#) && text.contains("no resourceSpans"), "\(text)")
            }
            try await client.execute(uri: "/v1/traces", method: .post, headers: [.contentType: "application/x-protobuf"],
                                     body: ByteBuffer(bytes: [0x0A, 0xFF])) { response in
                #expect(response.status == .badRequest)
                #expect(response.headers[.contentType] == "application/x-protobuf")
                // google.rpc.Status: field 1 (code) = 3, INVALID_ARGUMENT.
                #expect(Array(response.body.readableBytesView.prefix(2)) == [0x08, 0x03])
            }
        }
    }

    @Test func anUnknownContentTypeIs415AndAMissingTokenIs401() async throws {
        _ = try await Self.withServer(token: "s3cret") { client in
            try await client.execute(uri: "/v1/traces", method: .post,
                                     headers: [.contentType: "application/json", .authorization: "Bearer s3cret"],
                                     body: Self.otlpJSON()) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/v1/traces", method: .post,
                                     headers: [.contentType: "text/plain", .authorization: "Bearer s3cret"],
                                     body: Self.otlpJSON()) { response in
                #expect(response.status == .unsupportedMediaType)
            }
            try await client.execute(uri: "/v1/logs", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: "{}")) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == "Bearer")
            }
            try await client.execute(uri: "/api/bundles", method: .get) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }

    /// An OTLP log record without a trace id gets the ids the extraction rules find in its
    /// body (on the request's thread) and a place under the server's own source.
    @Test func otlpLogRecordsGetTheIdsTheRulesFindInTheirBody() async throws {
        let body = ByteBuffer(string: """
            {"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"worker"}}]},
            "scopeLogs":[{"logRecords":[{"timeUnixNano":"1764059546500000000","severityText":"INFO",
            "body":{"stringValue":"Task export_report[d58d36c5-9b45-4241-a1b5-0e3c7f4a9d10] received trace_id=\(Self.trace)"}}]}]}]}
            """)
        let store = try await Self.withServer { client in
            try await client.execute(uri: "/v1/logs", method: .post, headers: [.contentType: "application/json"], body: body) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "{}")
            }
        }
        let logs = try store.logs(inTrace: TraceID(hex: Self.trace)!)
        #expect(logs.count == 1)
        #expect(logs.first?.source.file.hasPrefix("otlp-http ") == true)
        #expect(logs.first?.source.line == 1)
        #expect(logs.first?.rule != nil)
    }

    @Test func anAlertWebhookAnswersWhatItAcceptedAndWhyTheRestWasLeftOut() async throws {
        let payload = ByteBuffer(string: """
            {"version":"4","status":"firing","alerts":[
             {"status":"firing","labels":{"alertname":"QueueBacklog","queue":"exports"},"startsAt":"2025-11-25T08:30:00Z","endsAt":"0001-01-01T00:00:00Z"},
             {"status":"firing","labels":{"severity":"page"},"startsAt":"2025-11-25T08:30:00Z"}]}
            """)
        let store = try await Self.withServer { client in
            try await client.execute(uri: "/api/alerts/alertmanager", method: .post, headers: [.contentType: "application/json"],
                                     body: payload) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"{"accepted":1,"problems":["alert 2 has no alertname label"]}"#)
            }
            try await client.execute(uri: "/api/alerts/grafana", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: "[1,")) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).hasPrefix("not JSON"))
            }
        }
        #expect(try store.alerts(named: "QueueBacklog").count == 1)
        #expect(try store.statistics().rawAlerts == 1)
    }

    /// The closing line names, for each count of what could not be used, the first one: the
    /// request (route and time) and why — spans left out, alerts left out, requests refused.
    @Test func theClosingLineSaysWhereAndWhyTheFirstOfEachWasLeftOut() async throws {
        let payload = ByteBuffer(string: """
            {"version":"4","status":"firing","alerts":[
             {"status":"firing","labels":{"severity":"page"},"startsAt":"2025-11-25T08:30:00Z"}]}
            """)
        var summary = ""
        _ = try await Self.withServer(stopped: { summary = $0.summary }) { client in
            try await client.execute(uri: "/v1/traces", method: .post, headers: [.contentType: "application/json"],
                                     body: Self.otlpJSON()) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/alerts/alertmanager", method: .post, headers: [.contentType: "application/json"],
                                     body: payload) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v1/traces", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: #"{"spans":[]}"#)) { #expect($0.status == .badRequest) }
        }
        let spans = try #require(summary.range(of: "rejected 1 span (invalid or all-zero ids; first in POST /v1/traces at "))
        #expect(summary[spans.upperBound...].contains(#": span 2 ("bad"): all-zero trace id)"#), "\(summary)")
        let alerts = try #require(summary.range(of: "left out 1 alert of webhook payloads (first in POST /api/alerts/alertmanager at "))
        #expect(summary[alerts.upperBound...].contains(": alert 1 has no alertname label)"), "\(summary)")
        #expect(summary.contains("refused 1 request (400: 1; first: 400 not an ExportTraceServiceRequest: no resourceSpans)"), "\(summary)")
    }

    /// A request larger than the whole queue is taken when the queue is empty (one request is
    /// never refused for its size alone); the health check answers without a token.
    @Test func aRequestLargerThanTheQueueIsTakenWhenTheQueueIsEmpty() async throws {
        let store = try await Self.withServer(token: "t", queueCapacity: 1) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/v1/traces", method: .post,
                                     headers: [.contentType: "application/json", .authorization: "bearer t"],
                                     body: Self.otlpJSON(spanID: "2222222222222222")) { response in
                #expect(response.status == .ok)
            }
        }
        #expect(try store.statistics().spans == 1)
    }
}
