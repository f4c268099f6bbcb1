/// The top-level keys the JSON and logfmt decoders recognise, with a rank per field: when a
/// line has several keys for the same field, the lowest rank wins.
enum Field: UInt8 {
    case timestamp, level, service, host, message
    // journald export fields
    case journalRealtime, journalPriority, journalUnit, journalIdentifier, journalHostname
    case journalPID, journalComm, journalCursor, journalMessage
    /// Serilog's compact JSON (CLEF) message and template, `@m` and `@mt`: a line without `@l`
    /// is at Information.
    case clefMessage
}

struct FieldKeys {
    private var byLength: [[(key: [UInt8], field: Field, rank: UInt8)]]

    init(_ entries: [(String, Field, UInt8)]) {
        let longest = entries.map { $0.0.utf8.count }.max() ?? 0
        byLength = Array(repeating: [], count: longest + 1)
        for (key, field, rank) in entries {
            byLength[key.utf8.count].append((Array(key.utf8), field, rank))
        }
    }

    @inline(__always)
    func lookup(_ key: UnsafeBufferPointer<UInt8>) -> (Field, UInt8)? {
        guard key.count < byLength.count else { return nil }
        for entry in byLength[key.count] where entry.key[0] == key[0] {
            if entry.key.withUnsafeBufferPointer({ memcmp($0.baseAddress!, key.baseAddress!, key.count) == 0 }) {
                return (entry.field, entry.rank)
            }
        }
        return nil
    }

    /// Keys of generic JSON logs (python-json-logger, structlog, logrus, zap, pino, bunyan, ECS,
    /// OpenTelemetry JSON) and of the journald export.
    static let json = FieldKeys([
        ("timestamp", .timestamp, 0), ("@timestamp", .timestamp, 1), ("time", .timestamp, 2),
        ("ts", .timestamp, 3), ("datetime", .timestamp, 4), ("asctime", .timestamp, 5),
        ("date", .timestamp, 6), ("timeUnixNano", .timestamp, 7), ("t", .timestamp, 8),
        ("level", .level, 0), ("levelname", .level, 1), ("severity", .level, 2),
        ("log.level", .level, 3), ("lvl", .level, 4), ("loglevel", .level, 5),
        ("severity_text", .level, 6), ("severityText", .level, 7), ("levelName", .level, 8),
        ("level_name", .level, 9), ("LogLevel", .level, 10), ("Level", .level, 11), ("@l", .level, 12),
        ("log_level", .level, 13), ("SeverityText", .level, 14),
        ("@t", .timestamp, 9), ("Timestamp", .timestamp, 10),
        ("Message", .message, 5), ("@m", .clefMessage, 0), ("@mt", .clefMessage, 1),
        ("service", .service, 0), ("service.name", .service, 1), ("service_name", .service, 2),
        ("serviceName", .service, 3), ("app", .service, 4), ("application", .service, 5),
        ("host", .host, 0), ("hostname", .host, 1), ("host.name", .host, 2),
        ("message", .message, 0), ("msg", .message, 1), ("event", .message, 2),
        ("log", .message, 3), ("body", .message, 4),
        ("MESSAGE", .journalMessage, 0), ("__REALTIME_TIMESTAMP", .journalRealtime, 0),
        ("PRIORITY", .journalPriority, 0), ("_SYSTEMD_UNIT", .journalUnit, 0),
        ("SYSLOG_IDENTIFIER", .journalIdentifier, 0), ("_HOSTNAME", .journalHostname, 0),
        ("_PID", .journalPID, 0), ("_COMM", .journalComm, 0), ("__CURSOR", .journalCursor, 0),
    ])

    /// Keys of logfmt lines.
    static let logfmt = FieldKeys([
        ("ts", .timestamp, 0), ("time", .timestamp, 1), ("timestamp", .timestamp, 2),
        ("t", .timestamp, 3), ("@timestamp", .timestamp, 4),
        ("level", .level, 0), ("lvl", .level, 1), ("severity", .level, 2),
        ("service", .service, 0), ("service.name", .service, 1), ("app", .service, 2),
        ("component", .service, 3),
        ("host", .host, 0), ("hostname", .host, 1),
        ("msg", .message, 0), ("message", .message, 1),
    ])
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
