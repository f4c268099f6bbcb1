/// A log record's severity, normalised from the many spellings logs use.
///
/// Written in output as the lowercase raw value.
public enum Severity: String, Sendable, Codable, CaseIterable, Comparable {
    case trace, debug, info, warn, error, fatal

    private var rank: Int {
        switch self {
        case .trace: 0
        case .debug: 1
        case .info: 2
        case .warn: 3
        case .error: 4
        case .fatal: 5
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }

    /// Recognises a level word, case-insensitively: `TRACE`, `DEBUG`, `INFO`, `NOTICE`, `WARN`,
    /// `WARNING`, `ERROR`, `ERR`, `CRITICAL`, `CRIT`, `FATAL`, `PANIC`, `EMERG`, `ALERT`, and the
    /// single letters `D`, `I`, `W`, `E`, `F`. A number is read as a syslog/journald priority
    /// (0–7) when below 10, else as an OpenTelemetry severity number (1–24).
    public init?(text: UnsafeBufferPointer<UInt8>) {
        guard !text.isEmpty, text.count <= 16 else { return nil }
        if let number = Severity.parseSmallInt(text) {
            if text.count == 1 {
                self.init(syslogPriority: number)
            } else {
                self.init(otelSeverityNumber: number)
            }
            return
        }
        var folded: UInt64 = 0
        guard text.count <= 8 else {
            // The long names: .NET's LogLevel, syslog's emergency.
            for (name, severity) in [("INFORMATION", Severity.info), ("EMERGENCY", .fatal)] where text.count == name.utf8.count {
                if zip(text, name.utf8).allSatisfy({ ($0 >= 97 && $0 <= 122 ? $0 - 32 : $0) == $1 }) {
                    self = severity
                    return
                }
            }
            return nil
        }
        for byte in text {
            let upper = (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) ? byte - 32 : byte
            folded = folded << 8 | UInt64(upper)
        }
        guard let value = Severity.words[folded] else { return nil }
        self = value
    }

    /// Convenience for callers holding a `String`.
    public init?(text: String) {
        var copy = text
        guard let value = copy.withUTF8({ Severity(text: $0) }) else { return nil }
        self = value
    }

    /// syslog / journald `PRIORITY`: 0–2 fatal, 3 error, 4 warn, 5–6 info, 7 debug.
    public init?(syslogPriority: Int) {
        switch syslogPriority {
        case 0...2: self = .fatal
        case 3: self = .error
        case 4: self = .warn
        case 5, 6: self = .info
        case 7: self = .debug
        default: return nil
        }
    }

    /// OpenTelemetry `SeverityNumber`: 1–4 trace, 5–8 debug, 9–12 info, 13–16 warn,
    /// 17–20 error, 21–24 fatal.
    public init?(otelSeverityNumber number: Int) {
        switch number {
        case 1...4: self = .trace
        case 5...8: self = .debug
        case 9...12: self = .info
        case 13...16: self = .warn
        case 17...20: self = .error
        case 21...24: self = .fatal
        default: return nil
        }
    }

    private static func parseSmallInt(_ text: UnsafeBufferPointer<UInt8>) -> Int? {
        guard text.count <= 2 else { return nil }
        var value = 0
        for byte in text {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// Level words, upper-cased and packed into a UInt64 (at most 8 bytes each).
    private static let words: [UInt64: Severity] = {
        let table: [(String, Severity)] = [
            ("TRACE", .trace), ("T", .trace), ("TRC", .trace),
            ("DEBUG", .debug), ("D", .debug), ("DBG", .debug),
            ("INFO", .info), ("I", .info), ("INF", .info), ("NOTICE", .info), ("N", .info),
            ("WARN", .warn), ("WARNING", .warn), ("W", .warn), ("WRN", .warn),
            ("ERROR", .error), ("ERR", .error), ("E", .error), ("ERRO", .error),
            ("FATAL", .fatal), ("F", .fatal), ("FTL", .fatal), ("CRITICAL", .fatal),
            ("CRIT", .fatal), ("CRT", .fatal), ("PANIC", .fatal), ("EMERG", .fatal),
            ("ALERT", .fatal),
            // zap's DPanic: an error that panics only in development.
            ("DPANIC", .error),
            // Microsoft.Extensions.Logging's console: trce, dbug, info, warn, fail, crit.
            ("TRCE", .trace), ("DBUG", .debug), ("FAIL", .error),
            // Serilog: Verbose, Debug, Information, Warning, Error, Fatal (and VRB DBG INF WRN ERR FTL).
            ("VERBOSE", .trace), ("VRB", .trace),
        ]
        var words: [UInt64: Severity] = [:]
        for (text, severity) in table { words[word(text)] = severity }
        return words
    }()

    private static func word(_ text: String) -> UInt64 {
        var folded: UInt64 = 0
        for byte in text.utf8 { folded = folded << 8 | UInt64(byte) }
        return folded
    }
}
