/// How deeply a document read from outside may nest.
///
/// Every decoder that follows nesting does it by recursion — JSON objects and arrays
/// (``JSONDocument``), OTLP protobuf messages (an `AnyValue` holding a `KeyValueList` holding
/// an `AnyValue`…), YAML collections in rule files — and a thread's stack is finite, so one
/// hostile request of a few hundred kilobytes could otherwise take a whole server down. A
/// document nested deeper than ``maximumDepth`` is refused as malformed: `correlate serve`
/// answers 400 naming the limit, `ingest` and `run` count it as a malformed document with its
/// file and line, and a rule file deeper than that is a configuration error.
///
/// Depth counts containers from the top: in JSON every object and array, in protobuf every
/// embedded message, in YAML every mapping and sequence. Real telemetry stays far below the
/// limit: an OTLP attribute nested ten `kvlistValue`s deep is about 40 levels of JSON and 30 of
/// protobuf messages.
public enum NestingLimit {
    /// 128 levels of JSON objects and arrays, protobuf messages or YAML collections.
    public static let maximumDepth = 128

    /// The reason given when a document is refused, e.g. "nested deeper than 128 levels".
    public static var reason: String { "nested deeper than \(maximumDepth) levels" }
}
