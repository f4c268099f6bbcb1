/// One span, as every trace format is decoded into.
public struct Span: Hashable, Sendable {
    /// OpenTelemetry's span kinds (OTLP numbering).
    public enum Kind: Int, Sendable, CaseIterable {
        case unspecified = 0, `internal` = 1, server = 2, client = 3, producer = 4, consumer = 5

        /// Upper-case name, as the bundle writes it.
        public var name: String {
            switch self {
            case .unspecified: "UNSPECIFIED"
            case .internal: "INTERNAL"
            case .server: "SERVER"
            case .client: "CLIENT"
            case .producer: "PRODUCER"
            case .consumer: "CONSUMER"
            }
        }

        public init(name: String) {
            switch name.uppercased() {
            case "INTERNAL", "SPAN_KIND_INTERNAL": self = .internal
            case "SERVER", "SPAN_KIND_SERVER": self = .server
            case "CLIENT", "SPAN_KIND_CLIENT": self = .client
            case "PRODUCER", "SPAN_KIND_PRODUCER": self = .producer
            case "CONSUMER", "SPAN_KIND_CONSUMER": self = .consumer
            default: self = .unspecified
            }
        }
    }

    /// Span status codes (OTLP numbering).
    public enum Status: Int, Sendable {
        case unset = 0, ok = 1, error = 2

        public var name: String {
            switch self {
            case .unset: "unset"
            case .ok: "ok"
            case .error: "error"
            }
        }
    }

    /// A timed event; exceptions are events named `exception`.
    public struct Event: Hashable, Sendable {
        public var name: String
        public var time: Timestamp
        public var attributes: [Attribute]

        public init(name: String, time: Timestamp, attributes: [Attribute] = []) {
            self.name = name
            self.time = time
            self.attributes = attributes
        }
    }

    /// A link to another span, possibly of another trace.
    public struct Link: Hashable, Sendable {
        public var traceID: TraceID
        public var spanID: SpanID
        public var attributes: [Attribute]

        public init(traceID: TraceID, spanID: SpanID, attributes: [Attribute] = []) {
            self.traceID = traceID
            self.spanID = spanID
            self.attributes = attributes
        }
    }

    public var traceID: TraceID
    public var spanID: SpanID
    public var parentSpanID: SpanID?
    public var name: String
    public var kind: Kind
    public var start: Timestamp
    public var end: Timestamp
    public var status: Status
    public var statusMessage: String?
    /// The resource's `service.name`.
    public var service: String?
    public var attributes: [Attribute]
    public var resource: [Attribute]
    public var events: [Event]
    public var links: [Link]

    public init(
        traceID: TraceID, spanID: SpanID, parentSpanID: SpanID? = nil, name: String,
        kind: Kind = .internal, start: Timestamp, end: Timestamp, status: Status = .unset,
        statusMessage: String? = nil, service: String? = nil, attributes: [Attribute] = [],
        resource: [Attribute] = [], events: [Event] = [], links: [Link] = []
    ) {
        self.traceID = traceID
        self.spanID = spanID
        self.parentSpanID = parentSpanID
        self.name = name
        self.kind = kind
        self.start = start
        self.end = end
        self.status = status
        self.statusMessage = statusMessage
        self.service = service
        self.attributes = attributes
        self.resource = resource
        self.events = events
        self.links = links
    }

    /// Duration in milliseconds (never negative).
    public var durationMilliseconds: Double {
        Double(max(0, end.nanoseconds(since: start))) / 1_000_000
    }

    /// The job id the instrumentation of a job system puts on its spans: the first of
    /// ``jobIDAttributes`` the span has.
    public var messageID: String? {
        for key in Span.jobIDAttributes {
            if let value = attributes[key] { return value.text }
        }
        return nil
    }

    /// The span attributes that carry a job id, in order: the messaging conventions'
    /// `messaging.message.id` (Celery, Sidekiq, ActiveJob, RQ, Dramatiq, BullMQ
    /// instrumentations), its older spelling, Celery's `celery.task_id`, Hangfire's `job.id`,
    /// Temporal's `temporalWorkflowID` (Go, Python) and `temporalWorkflowId` (TypeScript),
    /// MassTransit's and NServiceBus's message ids, the RQ instrumentation's `rq.job.id`.
    /// (BullMQ's `bullmq.job.id` is not one: it counts from 1 in each queue.) Configured by `job_id_attributes` in
    /// `rules/alerts.yaml`, set once when a command starts, before any span is read; a span is
    /// stored with the job id found then.
    nonisolated(unsafe) public static var jobIDAttributes = [
        "messaging.message.id", "messaging.message_id", "celery.task_id", "job.id", "temporalWorkflowID",
        "temporalWorkflowId", "messaging.masstransit.message_id", "nservicebus.message_id", "rq.job.id",
    ]

    /// `messaging.destination.name`, or the older `messaging.destination`.
    public var destination: String? {
        (attributes["messaging.destination.name"] ?? attributes["messaging.destination"])?.text
    }

    /// The span attributes that name a job's queue, in order (the `queue` label's attributes in
    /// `rules/alerts.yaml` say the same): the messaging conventions' `messaging.destination.name`,
    /// the older `messaging.destination`, RabbitMQ's routing key in its two spellings, BullMQ's
    /// `bullmq.queue.name`, Spring Kafka's `messaging.source.name`, SQS queue URLs.
    public static let queueAttributes = [
        "messaging.destination.name", "messaging.destination", "messaging.rabbitmq.destination.routing_key",
        "messaging.rabbitmq.routing_key", "bullmq.queue.name", "messaging.source.name", "aws.sqs.queue.url",
        "aws.queue_url", "messaging.url",
    ]

    /// The queue names this span has in `attributes`, in order, each once (see
    /// ``queueName(_:)``). On a RabbitMQ span (`messaging.system` `rabbitmq`) the routing keys
    /// come first: its destination is often the exchange.
    public func queueNames(in attributes: [String]) -> [String] {
        var keys = attributes
        if self.attributes["messaging.system"]?.text == "rabbitmq" {
            keys = keys.filter { $0.hasSuffix("routing_key") } + keys.filter { !$0.hasSuffix("routing_key") }
        }
        var names: [String] = []
        for key in keys {
            if let value = self.attributes[key]?.text, let name = Self.queueName(value), !names.contains(name) { names.append(name) }
        }
        return names
    }

    /// A queue attribute's value as the queue's name: nil for an empty value or a placeholder
    /// (`<default>`, `amq.default`, `(temporary)`, `(anonymous)`) or another URL (a broker's,
    /// `amqp://…`); an http(s) URL (SQS) by its last path segment; Laravel's Redis
    /// `queues:NAME` as `NAME`.
    public static func queueName(_ value: String) -> String? {
        var name = Substring(value)
        while name.first == " " { name = name.dropFirst() }
        while name.last == " " { name = name.dropLast() }
        if let offset = name.utf8Offset(of: "://") {
            // https://sqs.eu-west-1.amazonaws.com/123456789012/emails → emails; no path, no name;
            // a broker's URL (amqp://user@host:5672/vhost) names no queue.
            guard name.hasPrefix("http") else { return nil }
            let path = name[name.utf8.index(name.startIndex, offsetBy: offset + 3)...].prefix { $0 != "?" && $0 != "#" }.split(separator: "/").dropFirst()
            guard let last = path.last else { return nil }
            name = last
        } else if name.hasPrefix("queues:") {
            name = name.dropFirst("queues:".count)
        }
        guard !name.isEmpty, !["<default>", "amq.default", "(temporary)", "(anonymous)"].contains(name) else { return nil }
        return String(name)
    }

    /// The execute side of a job, as far as the span alone tells: a CONSUMER span, or a SERVER
    /// span that carries a job id (Temporal's interceptors run workflows and activities in
    /// SERVER spans under the CLIENT span that started them; the .NET Lambda SQS span is
    /// SERVER). A SERVER span is a job's only when a producer is found for it.
    public var mayExecuteJob: Bool {
        kind == .consumer || (kind == .server && messageID != nil)
    }

    /// The enqueue side of a job: a PRODUCER span, or a CLIENT span that carries a job id
    /// (Temporal's `StartWorkflow`, `StartActivity`), which is one only for a SERVER child with
    /// the same job id.
    public var mayEnqueueJob: Bool {
        kind == .producer || (kind == .client && messageID != nil)
    }

    /// Error status, or an `exception` event.
    public var hasError: Bool {
        status == .error || events.contains { $0.name == "exception" }
    }
}

extension Sequence where Element == Span {
    /// The job ids these spans enqueue or run: the ``Span/messageID`` of each span that may
    /// enqueue or execute a job (``Span/mayEnqueueJob``, ``Span/mayExecuteJob``). A trace's
    /// analysis reads its jobs' other spans and log lines by them.
    public var jobIDs: Set<String> {
        Set(lazy.filter { $0.mayEnqueueJob || $0.mayExecuteJob }.compactMap(\.messageID))
    }
}
