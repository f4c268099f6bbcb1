import CorrelateModel
import CorrelateJSON

/// Decodes one log line at a time into a ``DecodedLine``, detecting its format per line unless
/// one is forced.
///
/// The decoder never fails: a line that is malformed in its apparent format (a truncated JSON
/// object, a Python dict repr) is decoded as plain text and carries a `problem`, so that what it
/// holds is still extracted. Text is referenced by byte ranges into the line; only what must be
/// decoded (a journald `MESSAGE` with escapes or given as a byte array) is written to
/// ``scratch``, which is reused from line to line.
public struct LogDecoder {
    public var format: LogFormat
    /// Decoded text of the current line; valid until the next `decode` call.
    public private(set) var scratch: [UInt8] = []

    public init(format: LogFormat = .auto) {
        self.format = format
        scratch.reserveCapacity(64 * 1024)
    }

    /// Decodes `line` (without its terminator).
    public mutating func decode(_ line: UnsafeBufferPointer<UInt8>) -> DecodedLine {
        scratch.removeAll(keepingCapacity: true)
        switch format {
        case .journald, .json:
            return decodeJSON(line)
        case .logfmt:
            return decodeLogfmt(line)
        case .plain:
            return decodePlain(line)
        case .auto:
            let first = JSONScanner.skipSpace(line, 0)
            if first < line.count, line[first] == UInt8(ascii: "{") { return decodeJSON(line) }
            if LogfmtScanner.looksLikeLogfmt(line) { return decodeLogfmt(line) }
            return decodePlain(line)
        }
    }

    /// Calls `body` with the bytes `ref` points at (empty for `.none`). Escaped line ranges are
    /// passed as they are, still escaped.
    @inline(__always)
    public func withBytes<R>(
        _ ref: TextRef, in line: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> R
    ) -> R {
        switch ref {
        case .none:
            return body(UnsafeBufferPointer(start: line.baseAddress, count: 0))
        case .line(let range, _):
            return body(UnsafeBufferPointer(rebasing: line[range]))
        case .scratch(let range):
            return scratch.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[range])) }
        }
    }

    // MARK: - JSON and journald

    private struct Best {
        var value = JSONValue(kind: .literal, range: 0..<0)
        var rank: UInt8 = .max
        var found: Bool { rank != .max }
    }

    private mutating func decodeJSON(_ line: UnsafeBufferPointer<UInt8>) -> DecodedLine {
        var best = InlineArray<15, Best>(repeating: Best())
        let keys = FieldKeys.json  // once per line, not once per member (a static's access is checked each time)
        let problem = JSONScanner.scanObject(line) { key, keyEscaped, value in
            guard !keyEscaped, let (field, rank) = keys.lookup(UnsafeBufferPointer(rebasing: line[key]))
            else { return }
            let slot = Int(field.rawValue)
            if rank < best[slot].rank { best[slot] = Best(value: value, rank: rank) }
        }
        func get(_ field: Field) -> JSONValue? {
            let entry = best[Int(field.rawValue)]
            return entry.found ? entry.value : nil
        }
        if let problem {
            // Searched as plain text, so its ids are not lost; the members read before the
            // problem (a truncated line's timestamp, level and message) are kept.
            var decoded = decodePlain(line)
            decoded.problem = "malformed JSON: \(problem.rawValue)"
            if let value = get(.timestamp) { decoded.timestamp = timestamp(of: value, in: line) }
            if let value = get(.level) {
                decoded.severity = severity(of: value, in: line, pinoNumbers: true)
            }
            if let service = get(.service) { decoded.service = stringRef(service) }
            if let host = get(.host) { decoded.host = stringRef(host) }
            if let message = get(.message), case .string = message.kind { decoded.message = stringRef(message) }
            return decoded
        }
        let isJournal =
            format == .journald || get(.journalRealtime) != nil || get(.journalCursor) != nil
        if isJournal { return decodeJournal(line, get) }

        var decoded = DecodedLine()
        decoded.format = .json
        decoded.matchText = .line(0..<line.count, escaped: false)
        if let value = get(.timestamp) { decoded.timestamp = timestamp(of: value, in: line) }
        if let value = get(.level) {
            decoded.severity = severity(of: value, in: line, pinoNumbers: true)
        }
        decoded.service = stringRef(get(.service))
        decoded.host = stringRef(get(.host))
        if decoded.severity == nil, get(.clefMessage) != nil { decoded.severity = .info }  // CLEF: no @l is Information
        if let value = get(.message) ?? get(.journalMessage) ?? get(.clefMessage) {
            switch value.kind {
            case .string(let escaped): decoded.message = .line(value.range, escaped: escaped)
            default: decoded.message = .line(value.range, escaped: false)
            }
        } else {
            decoded.message = .line(0..<line.count, escaped: false)
        }
        return decoded
    }

    private mutating func decodeJournal(
        _ line: UnsafeBufferPointer<UInt8>, _ get: (Field) -> JSONValue?
    ) -> DecodedLine {
        var decoded = DecodedLine()
        decoded.format = .journald
        if let value = get(.journalMessage) {
            switch value.kind {
            case .string(escaped: false):
                decoded.message = .line(value.range, escaped: false)
            case .string(escaped: true):
                let start = scratch.count
                JSONStringEscapes.unescape(UnsafeBufferPointer(rebasing: line[value.range]), into: &scratch)
                decoded.message = .scratch(start..<scratch.count)
            case .container:
                // journald writes a MESSAGE that is not valid UTF-8 as an array of byte values.
                let start = scratch.count
                if JournalBytes.decode(UnsafeBufferPointer(rebasing: line[value.range]), into: &scratch) {
                    decoded.message = .scratch(start..<scratch.count)
                } else {
                    scratch.removeSubrange(start...)
                    decoded.message = .line(value.range, escaped: false)
                    decoded.problem = "journald MESSAGE is neither a string nor an array of bytes"
                }
            default:
                break
            }
        }
        decoded.matchText = decoded.message
        if let value = get(.journalRealtime), let micros = integer(of: value, in: line) {
            decoded.timestamp = Timestamp(nanoseconds: micros &* 1_000)
        }
        if let unit = get(.journalUnit), case .string(false) = unit.kind {
            var range = unit.range
            let suffix: StaticString = ".service"
            let length = suffix.utf8CodeUnitCount
            if range.count > length,
                UnsafeBufferPointer(rebasing: line[(range.upperBound - length)..<range.upperBound]).hasBytes(of: suffix)
            {
                range = range.lowerBound..<(range.upperBound - length)
            }
            decoded.service = .line(range, escaped: false)
        } else {
            decoded.service = stringRef(get(.journalIdentifier) ?? get(.journalComm))
        }
        decoded.host = stringRef(get(.journalHostname))
        var key = FNV1a()
        for field in [Field.journalUnit, .journalIdentifier, .journalPID] {
            if let value = get(field) { key.add(UnsafeBufferPointer(rebasing: line[value.range])) }
            key.add(0xFF)
        }
        decoded.streamKey = key.value | 1

        // The application's own text: its leading timestamp and level, and its shape.
        withBytes(decoded.message, in: line) { text in
            let prefix = PlainPrefix(text)
            decoded.leadingTimestamp = prefix.leadingTime
            decoded.shape = prefix.leadingTime ? .ordinary : LineShape.of(text)
            if let severity = prefix.severity { decoded.severity = severity }
        }
        if decoded.severity == nil, let value = get(.journalPriority) {
            decoded.severity = severity(of: value, in: line, pinoNumbers: false)
        }
        return decoded
    }

    // MARK: - logfmt

    private func decodeLogfmt(_ line: UnsafeBufferPointer<UInt8>) -> DecodedLine {
        var decoded = DecodedLine()
        decoded.format = .logfmt
        decoded.matchText = .line(0..<line.count, escaped: false)
        var ranks = InlineArray<5, UInt8>(repeating: .max)
        let keys = FieldKeys.logfmt
        let complete = LogfmtScanner.scan(line) { key, value, quoted in
            guard let (field, rank) = keys.lookup(UnsafeBufferPointer(rebasing: line[key])),
                rank < ranks[Int(field.rawValue)]
            else { return }
            ranks[Int(field.rawValue)] = rank
            let text = UnsafeBufferPointer(rebasing: line[value])
            switch field {
            case .timestamp: decoded.timestamp = Timestamp.parse(text)
            case .level: decoded.severity = Severity(text: text)
            case .service: decoded.service = .line(value, escaped: quoted)
            case .host: decoded.host = .line(value, escaped: quoted)
            case .message: decoded.message = .line(value, escaped: quoted)
            default: break
            }
        }
        if !complete { decoded.problem = "malformed logfmt: unterminated quoted value" }
        if decoded.message.isNone { decoded.message = .line(0..<line.count, escaped: false) }
        return decoded
    }

    // MARK: - Plain text

    private func decodePlain(_ line: UnsafeBufferPointer<UInt8>) -> DecodedLine {
        var decoded = DecodedLine()
        decoded.format = .plain
        decoded.matchText = .line(0..<line.count, escaped: false)
        let prefix = PlainPrefix(line)
        decoded.timestamp = prefix.timestamp
        decoded.severity = prefix.severity
        decoded.leadingTimestamp = prefix.leadingTime
        decoded.message = .line(prefix.messageStart..<line.count, escaped: false)
        decoded.shape = prefix.leadingTime ? .ordinary : LineShape.of(line)
        return decoded
    }

    // MARK: - Values

    private func stringRef(_ value: JSONValue?) -> TextRef {
        guard let value, case .string(let escaped) = value.kind else { return .none }
        return .line(value.range, escaped: escaped)
    }

    private func timestamp(of value: JSONValue, in line: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        switch value.kind {
        case .string(escaped: false), .number:
            return Timestamp.parse(UnsafeBufferPointer(rebasing: line[value.range]))
        case .string(escaped: true):
            var unescaped: [UInt8] = []
            JSONStringEscapes.unescape(UnsafeBufferPointer(rebasing: line[value.range]), into: &unescaped)
            return unescaped.withUnsafeBufferPointer { Timestamp.parse($0) }
        default:
            return nil
        }
    }

    private func severity(
        of value: JSONValue, in line: UnsafeBufferPointer<UInt8>, pinoNumbers: Bool
    ) -> Severity? {
        let text = UnsafeBufferPointer(rebasing: line[value.range])
        switch value.kind {
        case .number:
            guard let number = Int(decimal: text) else { return nil }
            if pinoNumbers, number % 10 == 0, (10...60).contains(number) {
                // pino / bunyan: 10 trace … 60 fatal
                return [Severity.trace, .debug, .info, .warn, .error, .fatal][number / 10 - 1]
            }
            if pinoNumbers, number % 50 == 0, (100...600).contains(number) {
                // Monolog (PSR-3): 100 debug, 200 info, 250 notice, 300 warning, 400 error,
                // 500 critical, 550 alert, 600 emergency.
                return number < 200 ? .debug : number < 300 ? .info : number < 400 ? .warn : number < 500 ? .error : .fatal
            }
            return Severity(otelSeverityNumber: number)
        case .string:
            if let number = Int(decimal: text), text.count == 1 {
                return Severity(syslogPriority: number)
            }
            return Severity(text: text)
        default:
            return nil
        }
    }

    private func integer(of value: JSONValue, in line: UnsafeBufferPointer<UInt8>) -> Int64? {
        let text = UnsafeBufferPointer(rebasing: line[value.range])
        guard !text.isEmpty, text.count <= 18 else { return nil }
        var result: Int64 = 0
        for byte in text {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            result = result * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return result
    }
}

extension Int {
    /// A small non-negative decimal integer, or nil.
    init?(decimal text: UnsafeBufferPointer<UInt8>) {
        guard !text.isEmpty, text.count <= 9 else { return nil }
        var value = 0
        for byte in text {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        self = value
    }
}

