public import CorrelateModel
public import CorrelateJSON

/// Log records of an OTLP logs request in JSON (`ExportLogsServiceRequest`, as OTLP/HTTP JSON
/// bodies and the Collector's file exporter write it): hex ids, int64 values as strings or
/// numbers. A record's `source` is left for the caller to assign.
public enum OTLPLogsJSONDecoder {
    public static func decode(_ document: JSONDocument) throws(SpanDecodingError) -> [LogRecord] {
        guard let resourceLogs = (document["resourceLogs"] ?? document["resource_logs"])?.array else {
            if let members = document.members, members.isEmpty { return [] }
            throw SpanDecodingError("not logs: expected resourceLogs (OTLP)")
        }
        var records: [LogRecord] = []
        for group in resourceLogs {
            let resource = OTLPJSONDecoder.attributes(group["resource"]?["attributes"])
            let service = resource["service.name"]?.text
            let host = resource["host.name"]?.text
            for scope in (group["scopeLogs"] ?? group["scope_logs"])?.array ?? [] {
                for item in (scope["logRecords"] ?? scope["log_records"])?.array ?? [] {
                    records.append(record(item, service: service, host: host))
                }
            }
        }
        return records
    }

    static func record(_ item: JSONDocument, service: String?, host: String?) -> LogRecord {
        let time = (item["timeUnixNano"] ?? item["time_unix_nano"])?.int64 ?? 0
        let observed = (item["observedTimeUnixNano"] ?? item["observed_time_unix_nano"])?.int64 ?? 0
        let number = (item["severityNumber"] ?? item["severity_number"])?.int64.map(Int.init)
        let text = (item["severityText"] ?? item["severity_text"])?.string
        let body = item["body"].flatMap(OTLPJSONDecoder.anyValue)
        return OTLPLogRecords.make(
            time: time, observed: observed, severityNumber: number, severityText: text,
            traceID: SpanIDs.trace((item["traceId"] ?? item["trace_id"])?.string),
            spanID: SpanIDs.span((item["spanId"] ?? item["span_id"])?.string),
            body: body, service: service, host: host)
    }
}
