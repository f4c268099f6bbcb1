/// What `correlate traces` asks a store: the traces that started in a time range, newest first.
public struct TraceListQuery: Sendable, Equatable {
    /// Traces whose first span started in [since, until].
    public var since: Timestamp
    public var until: Timestamp
    /// Only traces with a span of this service (`service.name`, ASCII case ignored).
    public var service: String?
    /// Only traces that lasted at least this long (first span's start to last span's end).
    public var minimumDurationNanoseconds: Int64?
    /// Only traces with a span whose status is error.
    public var errorsOnly: Bool
    /// At most this many (a negative limit is no limit).
    public var limit: Int

    public init(since: Timestamp, until: Timestamp, service: String? = nil, minimumDurationNanoseconds: Int64? = nil,
                errorsOnly: Bool = false, limit: Int = 50) {
        self.since = since
        self.until = until
        self.service = service
        self.minimumDurationNanoseconds = minimumDurationNanoseconds
        self.errorsOnly = errorsOnly
        self.limit = limit
    }
}

/// One trace of a listing: a line of `correlate traces`.
public struct TraceListing: Sendable, Equatable {
    public var traceID: TraceID
    /// The start of its first span.
    public var start: Timestamp
    /// The end of its last span.
    public var end: Timestamp
    /// Its root span (one without a parent; the first to start, when there are several; the
    /// first span when none is without a parent): name and service.
    public var rootName: String
    public var rootService: String?
    public var spans: Int
    /// Spans whose status is error.
    public var errors: Int
    /// Log records that carry its id (a 64-bit id counts for the trace of its low half, as
    /// ``EventStore/logs(inTrace:)`` finds them) or the job id of one of its spans (its
    /// `messaging.message.id` or the other job id attributes): the records `correlate trace`
    /// shows, each once.
    public var logs: Int

    public init(traceID: TraceID, start: Timestamp, end: Timestamp, rootName: String, rootService: String?,
                spans: Int, errors: Int, logs: Int) {
        self.traceID = traceID
        self.start = start
        self.end = end
        self.rootName = rootName
        self.rootService = rootService
        self.spans = spans
        self.errors = errors
        self.logs = logs
    }

    public var durationNanoseconds: Int64 { end.nanoseconds &- start.nanoseconds }
}

/// What `correlate alerts` asks a store: stored alerts, newest first.
public struct AlertListQuery: Sendable, Equatable {
    /// Alerts whose window [startsAt, endsAt or still open] overlaps [since, until]; nil: no
    /// bound on that side.
    public var since: Timestamp?
    public var until: Timestamp?
    /// Only alerts with this alertname, compared without regard to ASCII case.
    public var name: String?
    public var status: Alert.Status?
    /// At most this many (a negative limit is no limit).
    public var limit: Int

    public init(since: Timestamp? = nil, until: Timestamp? = nil, name: String? = nil, status: Alert.Status? = nil, limit: Int = -1) {
        self.since = since
        self.until = until
        self.name = name
        self.status = status
        self.limit = limit
    }
}

/// A log source the store holds records of: a line of `correlate sources`.
public struct LogSourceListing: Sendable, Equatable {
    /// The file as stored (an absolute path, `<stdin …>`, `otlp-http <start>`).
    public var path: String
    public var records: Int
    /// The times of its earliest and latest records that have a time.
    public var first: Timestamp?
    public var last: Timestamp?
    /// Records that carry a trace id.
    public var withTraceID: Int

    public init(path: String, records: Int, first: Timestamp?, last: Timestamp?, withTraceID: Int) {
        self.path = path
        self.records = records
        self.first = first
        self.last = last
        self.withTraceID = withTraceID
    }
}
