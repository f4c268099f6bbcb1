import CorrelateDecode
public import CorrelateExtract
public import CorrelateModel
import CorrelateOTLP
public import CorrelatePipeline
import CorrelateRender
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import CorrelateJSON

/// What `correlate serve` is asked to do.
public struct ServerConfiguration: Sendable {
    public var host: String
    /// 0: any free port (the one bound is printed).
    public var port: Int
    /// Largest request body, compressed and after decompression.
    public var maxBodyBytes: Int
    /// When set, every write (and `GET /api/bundles`) needs `Authorization: Bearer <token>`.
    public var token: String?
    /// Records (spans, log records, alerts) waiting for the store before requests get 503.
    public var queueCapacity: Int
    /// Connections idle this long are closed.
    public var idleTimeoutSeconds: Int64
    /// A request must arrive whole (head to end of body) within this; else 408 and the
    /// connection is closed.
    public var requestTimeoutSeconds: Int64
    /// When bundles are built.
    public var bundles: BundleSettings
    /// On SIGTERM, how long the bundles still due may take before the server exits.
    public var stopBudgetSeconds: Double

    public init(
        host: String = "127.0.0.1", port: Int = 4318, maxBodyBytes: Int = 16 << 20, token: String? = nil,
        queueCapacity: Int = 200_000, idleTimeoutSeconds: Int64 = 30, requestTimeoutSeconds: Int64 = 60,
        bundles: BundleSettings = BundleSettings(), stopBudgetSeconds: Double = 5
    ) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.token = token
        self.queueCapacity = queueCapacity
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.requestTimeoutSeconds = requestTimeoutSeconds
        self.bundles = bundles
        self.stopBudgetSeconds = stopBudgetSeconds
    }
}

/// `correlate serve`: OTLP/HTTP (`/v1/traces`, `/v1/logs`) and alert webhooks into the store,
/// bundles out as alerts settle. See docs/ARCHITECTURE.md, "Serving".
public final class CorrelateServer: Sendable {
    let configuration: ServerConfiguration
    let core: IngestCore
    let intake: RequestIntake
    let refusals = Refusals()
    let leftOut = LeftOut()

    /// - Parameters:
    ///   - store: the connection the writer thread writes through.
    ///   - reader: a connection of its own for building bundles (read only).
    ///   - emit: called with each bundle on the bundle worker's thread.
    public init(configuration: ServerConfiguration, store: EventStore, reader: EventStore, ruleSet: RuleSet,
                alertRules: AlertRules, emit: @escaping (IncidentBundle) -> Void) {
        self.configuration = configuration
        core = IngestCore(
            store: store, reader: reader, alertRules: alertRules, bundles: configuration.bundles,
            capacity: configuration.queueCapacity, emit: emit,
            warn: { FileHandle.standardError.write(Data("correlate serve: warning: \($0.escapingControlCharacters)\n".utf8)) })
        intake = RequestIntake(ruleSet: ruleSet)
    }

    /// What was stored and written so far, for the closing line.
    public var summary: String {
        let counts = core.bundles.counts
        let stored = core.counts
        return "stored \(stored.spans.stored) spans, \(stored.logs.stored) log records, \(stored.alerts.stored) alerts"
            + "; wrote \(counts.bundles) bundles" + counts.details + "; " + refusals.summary
            + (leftOut.summary.isEmpty ? "" : "; " + leftOut.summary)
            + (core.retention.isEmpty ? "" : "; " + core.retention.line)
    }

    /// Serves until SIGTERM or SIGINT; then stops taking connections, lets the requests in
    /// flight finish (each is committed before it is answered), writes the bundles still due
    /// within `stopBudgetSeconds`, and returns.
    public func run(onListening: @escaping @Sendable (String) -> Void = { _ in }) async throws {
        core.start()
        let requestTimeout = configuration.requestTimeoutSeconds
        let refusals = self.refusals
        var logger = Logger(label: "correlate.serve", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = .warning
        let app = Application(
            router: router(),
            server: .http1(configuration: .init(
                additionalChannelHandlers: [RequestDeadlineHandler(deadline: .seconds(requestTimeout)) {
                    refusals.record(status: 408, reason: "the request did not arrive whole within \(requestTimeout) s")
                }],
                idleTimeout: .seconds(configuration.idleTimeoutSeconds))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "correlate"),
            onServerRunning: { channel in
                onListening(channel.localAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "?")
            },
            logger: logger)
        defer {
            // Nothing is written by a batch's submitter; a failed write was answered already.
            try? core.finish()
            core.bundles.stop(budget: configuration.stopBudgetSeconds)
        }
        try await app.runService()
    }

    // MARK: - Routes

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
        }
        router.post("/v1/traces") { [self] request, _ in try await traces(request) }
        router.post("/v1/logs") { [self] request, _ in try await logs(request) }
        router.post("/api/alerts/alertmanager") { [self] request, _ in try await alerts(request, source: "alertmanager-webhook") }
        router.post("/api/alerts/grafana") { [self] request, _ in try await alerts(request, source: "grafana-webhook") }
        router.get("/api/bundles") { [self] request, _ in
            if let refused = authorize(request) { return refused }
            let name = request.uri.queryParameters["alert"].map(String.init)
            let latest = core.bundles.latestBundles(named: name)
            return ok(Array(BundleJSON.list(latest).utf8), .json)
        }
        return router
    }

    private func bodyType(_ request: Request) -> OTLPHTTP.Encoding? {
        OTLPHTTP.Encoding(contentType: request.headers[.contentType])
    }

    /// 401 when a token is required and not given. The scheme is matched without regard to
    /// case (RFC 9110 §11.1: `Bearer`, `bearer`), the token compared in constant time.
    private func authorize(_ request: Request) -> Response? {
        guard let token = configuration.token else { return nil }
        let given = Self.bearerToken(request.headers[.authorization] ?? "")
        let expected = Array(token.utf8)
        var difference = UInt8(given.count == expected.count ? 0 : 1)
        for index in 0..<expected.count {
            difference |= expected[index] ^ (index < given.count ? given[index] : 0)
        }
        guard difference != 0 else { return nil }
        var response = plain(.unauthorized, "a bearer token is required\n")
        response.headers[.wwwAuthenticate] = "Bearer"
        return response
    }

    /// The credentials of an `Authorization: Bearer <token>` value (any case of the scheme,
    /// spaces around the token ignored); empty for another scheme.
    static func bearerToken(_ value: String) -> [UInt8] {
        let bytes = Array(value.utf8)
        var start = 0
        while start < bytes.count, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        let scheme = Array("bearer".utf8)
        guard bytes.count - start > scheme.count,
              zip(bytes[start..<start + scheme.count], scheme).allSatisfy({ $0 | 0x20 == $1 }),
              bytes[start + scheme.count] == 0x20 || bytes[start + scheme.count] == 0x09
        else { return [] }
        var tokenStart = start + scheme.count
        while tokenStart < bytes.count, bytes[tokenStart] == 0x20 || bytes[tokenStart] == 0x09 { tokenStart += 1 }
        var end = bytes.count
        while end > tokenStart, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        return Array(bytes[tokenStart..<end])
    }

    /// The request body, decompressed when `Content-Encoding: gzip`; a response instead when it
    /// is too large or cannot be decompressed.
    private func body(_ request: Request) async throws -> Result<[UInt8], ResponseError> {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: configuration.maxBodyBytes)
        } catch is NIOTooManyBytesError {
            return .failure(ResponseError(status: .contentTooLarge, message: "the body is larger than \(configuration.maxBodyBytes) bytes"))
        }
        let bytes = Array(buffer.readableBytesView)
        switch request.headers[.contentEncoding]?.lowercased() {
        case nil, "identity":
            return .success(bytes)
        case "gzip", "deflate":
            do {
                return .success(try Inflate.decompress(bytes, limit: configuration.maxBodyBytes))
            } catch .tooLarge {
                return .failure(ResponseError(status: .contentTooLarge, message: "the body inflates to more than \(configuration.maxBodyBytes) bytes"))
            } catch .corrupt(let reason) {
                return .failure(ResponseError(status: .badRequest, message: "cannot decompress the body: \(reason)"))
            }
        case let other?:
            return .failure(ResponseError(status: .unsupportedMediaType, message: "unsupported Content-Encoding \(other)"))
        }
    }

    struct ResponseError: Error {
        var status: HTTPResponse.Status
        var message: String
    }

    /// An OTLP request as received: its body's type and bytes, or the response refusing it
    /// (no token, unknown type, too large, not decompressible).
    private enum Received {
        case body(OTLPHTTP.Encoding, [UInt8])
        case refused(Response)
    }

    private func receiveOTLP(_ request: Request) async throws -> Received {
        if let refused = authorize(request) { return .refused(refused) }
        guard let type = bodyType(request) else { return .refused(unsupportedType(request)) }
        switch try await body(request) {
        case .success(let bytes): return .body(type, bytes)
        case .failure(let error): return .refused(otlpError(error.status, error.message, type))
        }
    }

    private func traces(_ request: Request) async throws -> Response {
        let (type, bytes): (OTLPHTTP.Encoding, [UInt8])
        switch try await receiveOTLP(request) {
        case .refused(let response): return response
        case .body(let received, let value): (type, bytes) = (received, value)
        }
        let decoded: DecodedSpans
        do {
            decoded = try OTLPHTTP.decodeSpans(bytes, type)
        } catch {
            return otlpError(.badRequest, error.reason, type)
        }
        if let refused = try await store(.spans(core.spanPreparation(decoded.spans)), type) { return refused }
        leftOut.spans(decoded.rejected, route: "/v1/traces", reason: decoded.firstRejection)
        return ok(OTLPHTTP.tracesResponse(rejected: decoded.rejected, type), type)
    }

    private func logs(_ request: Request) async throws -> Response {
        let (type, bytes): (OTLPHTTP.Encoding, [UInt8])
        switch try await receiveOTLP(request) {
        case .refused(let response): return response
        case .body(let received, let value): (type, bytes) = (received, value)
        }
        let records: [LogRecord]
        do {
            records = try OTLPHTTP.decodeLogs(bytes, type)
        } catch {
            return otlpError(.badRequest, error.reason, type)
        }
        if let refused = try await store(.logs(intake.logs(records)), type) { return refused }
        return ok(OTLPHTTP.logsResponse(type), type)
    }

    private func alerts(_ request: Request, source: String) async throws -> Response {
        if let refused = authorize(request) { return refused }
        guard bodyType(request) == .json else { return unsupportedType(request) }
        let bytes: [UInt8]
        switch try await body(request) {
        case .success(let value): bytes = value
        case .failure(let error): return plain(error.status, error.message + "\n")
        }
        let decoded: DecodedAlerts
        do {
            let document = try bytes.withUnsafeBufferPointer { try JSONDocument.parse($0) }
            decoded = try AlertDecoder.decode(document)
        } catch let error as AlertDecodingError {
            return plain(.badRequest, "not an alert payload: \(error.reason)\n")
        } catch {
            return plain(.badRequest, "not JSON: \(error)\n")
        }
        if !decoded.alerts.isEmpty,
           let refused = try await store(.alerts(intake.alerts(decoded.alerts, raw: String(decoding: bytes, as: UTF8.self), source: source)), .json) {
            return refused
        }
        leftOut.alerts(decoded.problems, route: request.uri.path)
        return ok(AlertWebhookAnswer.json(accepted: decoded.alerts.count, problems: decoded.problems), .json)
    }

    /// Hands a job to the writer: nil once committed, else the response to give (503 when the
    /// queue is full).
    private func store(_ batch: IngestBatch, _ type: OTLPHTTP.Encoding) async throws -> Response? {
        do {
            try await core.submit(batch)
            return nil
        } catch is IngestCore.Full {
            return busy("the store is busy: retry later", type)
        } catch let error as any StoreError where error.condition == .busy {
            // Another process held the store past the busy timeout: as retryable as a full queue.
            return busy("the store is locked by another process: retry later", type)
        } catch let error as any StoreError where error.condition == .unavailable {
            // A full disk, an I/O error: nothing the client did; exporters retry a 503, not a 500.
            return busy("the store cannot be written now (\(error.reason)): retry later", type)
        } catch {
            return otlpError(.internalServerError, "cannot store: \(error)", type)
        }
    }

    // MARK: - Responses

    /// 503 with `Retry-After`, which OTLP exporters retry.
    private func busy(_ message: String, _ type: OTLPHTTP.Encoding) -> Response {
        var response = otlpError(.serviceUnavailable, message, type)
        response.headers[.retryAfter] = "1"
        return response
    }

    private func unsupportedType(_ request: Request) -> Response {
        plain(.unsupportedMediaType, "unsupported Content-Type \(request.headers[.contentType] ?? "(none)"): use application/x-protobuf or application/json\n")
    }

    /// An OTLP error response: a `google.rpc.Status` in the request's encoding.
    private func otlpError(_ status: HTTPResponse.Status, _ message: String, _ type: OTLPHTTP.Encoding) -> Response {
        refusals.record(status: status.code, reason: message)
        var response = ok(OTLPHTTP.status(httpStatus: status.code, message: message, type), type)
        response.status = status
        return response
    }

    private func ok(_ body: [UInt8], _ type: OTLPHTTP.Encoding) -> Response {
        Response(status: .ok, headers: [.contentType: type.contentType], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    private func plain(_ status: HTTPResponse.Status, _ text: String) -> Response {
        if status.code >= 400 { refusals.record(status: status.code, reason: text) }
        return Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
