import Testing
import CorrelateModel

/// Queue names as the instrumentations of each job system write them.
@Suite struct QueueNameTests {
    static func span(_ attributes: [(String, String)]) -> Span {
        Span(traceID: TraceID(hex: "0af7651916cd43dd8448eb211c80319c")!, spanID: SpanID(hex: "b7ad6b7169203331")!, name: "process",
             kind: .consumer, start: Timestamp(nanoseconds: 0), end: Timestamp(nanoseconds: 1),
             attributes: attributes.map { Attribute($0.0, .string($0.1)) })
    }

    @Test func eachInstrumentationsQueueName() {
        let keys = Span.queueAttributes
        // The messaging conventions, and their older key (Sidekiq, ActiveJob, Celery).
        #expect(Self.span([("messaging.destination.name", "emails")]).queueNames(in: keys) == ["emails"])
        #expect(Self.span([("messaging.destination", "default")]).queueNames(in: keys) == ["default"])
        // RabbitMQ: the destination is the exchange, often empty or a placeholder; the routing
        // key is the queue (Java, JS amqplib, Ruby bunny spellings).
        #expect(Self.span([("messaging.system", "rabbitmq"), ("messaging.destination.name", "events"),
                           ("messaging.rabbitmq.destination.routing_key", "emails")]).queueNames(in: keys) == ["emails", "events"])
        #expect(Self.span([("messaging.destination", ""), ("messaging.rabbitmq.routing_key", "emails")]).queueNames(in: keys) == ["emails"])
        #expect(Self.span([("messaging.destination.name", "<default>"), ("messaging.rabbitmq.destination.routing_key", "emails")])
            .queueNames(in: keys) == ["emails"])
        #expect(Self.span([("messaging.destination.name", "amq.default")]).queueNames(in: keys).isEmpty)
        #expect(Self.span([("messaging.destination.name", "(temporary)")]).queueNames(in: keys).isEmpty)
        // BullMQ's own telemetry, Spring Kafka listeners.
        #expect(Self.span([("bullmq.queue.name", "thumbnails")]).queueNames(in: keys) == ["thumbnails"])
        #expect(Self.span([("messaging.source.name", "orders")]).queueNames(in: keys) == ["orders"])
        // SQS: the queue URL's last path segment.
        #expect(Self.span([("aws.sqs.queue.url", "https://sqs.eu-west-1.amazonaws.com/123456789012/emails")]).queueNames(in: keys) == ["emails"])
        #expect(Self.span([("messaging.url", "https://sqs.us-east-1.amazonaws.com/123456789012/orders.fifo?x=1")]).queueNames(in: keys) == ["orders.fifo"])
        #expect(Self.span([("aws.queue_url", "https://sqs.us-east-1.amazonaws.com")]).queueNames(in: keys).isEmpty)
        #expect(Self.span([("messaging.url", "amqp://guest@rabbit:5672/%2f")]).queueNames(in: keys).isEmpty)
        // Laravel on Redis.
        #expect(Self.span([("messaging.destination.name", "queues:default")]).queueNames(in: keys) == ["default"])
        // Partitions and consumer groups are not queues.
        #expect(Self.span([("messaging.destination.partition.id", "3"), ("messaging.consumer.group.name", "mailer")]).queueNames(in: keys).isEmpty)
    }
}
