#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import CorrelateExtract
public import CorrelateModel
import CorrelateRender
import CorrelateSources
import Foundation
import CorrelateJSON

/// `correlate rules coverage`: what a user's log lines yield — per source and per rule, records
/// with a trace id, with a job id only, with none — and the **suspects**: records holding
/// something shaped like an id (32 or 16 hex digits, a UUID, a traceparent) right after a word
/// such as trace, span, request, job or task, which no rule took. Suspects are grouped by shape
/// (the text before the id, the id as `<hex32>`, `<hex16>`, `<uuid>`, `<traceparent>`), with
/// counts and up to three examples each: the place to write a rule next.
public struct RuleCoverage: Sendable {
    public struct Tally: Sendable, Equatable {
        public var records = 0
        public var traced = 0
        public var jobOnly = 0
        public var unlinked: Int { records - traced - jobOnly }
    }

    public struct Example: Sendable {
        public var location: SourceLocation
        public var text: String
    }

    public struct Suspect: Sendable {
        /// The text before the id, and the id's shape: `request.trace=<hex32>`.
        public var shape: String
        public var records = 0
        public var examples: [Example] = []
    }

    /// By source, in the order read.
    public var sources: [(name: String, tally: Tally)] = []
    /// By rule (records it linked), most first.
    public var rules: [(name: String, records: Int)] = []
    /// Most frequent first.
    public var suspects: [Suspect] = []
    public var total = Tally()
    /// What reading the inputs met: lines, malformed ones (with the first's file, line and
    /// reason), inputs that could not be read (after what they yielded).
    public var reading = ExtractSummary()

    /// Words that, right before an id, say it is one.
    static let idWords = ["trace", "span", "request", "job", "task", "correlation", "operation", "transaction",
                          "message", "parent", "jid", "workflow"]

    /// Reads `inputs` (`-` is standard input; a directory: its files that match `format.globs`)
    /// through the rules, line by line; each record is searched for suspects as the pipeline
    /// hands it on (its lines as the application wrote them), so memory stays flat whatever
    /// the input. An input that cannot be read is counted in ``reading`` and the others are
    /// still read.
    public static func measure(ruleSet: RuleSet, inputs: [String], format: ExtractConfiguration = ExtractConfiguration(inputs: [])) -> RuleCoverage {
        var coverage = RuleCoverage()
        var byRule: [String: Int] = [:]
        var suspects: [String: Suspect] = [:]
        var order: [String] = []
        let expansion = InputPaths.expand(inputs, globs: format.globs)
        coverage.reading.unreadable += expansion.problems
        for input in expansion.paths {
            let name = input == "-" ? SourceLocation.stdinName : input
            var configuration = format
            configuration.inputs = [input]
            configuration.threads = 1
            configuration.recordRawText = true
            var tally = Tally()
            let pipeline = ExtractPipeline(ruleSet: ruleSet, configuration: configuration, destination: .records { records in
                for record in records {
                    tally.records += 1
                    if record.traceID != nil { tally.traced += 1 } else if record.jobID != nil { tally.jobOnly += 1 }
                    if let rule = record.rule { byRule[rule, default: 0] += 1 }
                    let text = Array(record.message.utf8)
                    for (shape, value) in Self.candidates(in: text) where !Self.taken(value, by: record) {
                        if suspects[shape] == nil { order.append(shape) }
                        var suspect = suspects[shape] ?? Suspect(shape: shape)
                        suspect.records += 1
                        if suspect.examples.count < 3 {
                            let first = String(decoding: text.prefix { $0 != 0x0A }.prefix(300), as: UTF8.self)
                            suspect.examples.append(Example(location: SourceLocation(file: name, line: record.source.line), text: first))
                        }
                        suspects[shape] = suspect
                        break
                    }
                }
            })
            // The records destination throws nothing, and neither does the run then.
            let summary = (try? pipeline.run()) ?? pipeline.summary
            coverage.reading.absorb(summary)
            coverage.reading.inputs += summary.inputs
            coverage.reading.bytes += summary.bytes
            coverage.reading.unreadable += summary.unreadable
            if summary.unreadable.isEmpty || tally.records > 0 { coverage.sources.append((name, tally)) }
            coverage.total.records += tally.records
            coverage.total.traced += tally.traced
            coverage.total.jobOnly += tally.jobOnly
        }
        coverage.rules = byRule.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { ($0.key, $0.value) }
        coverage.suspects = order.compactMap { suspects[$0] }.sorted { $0.records > $1.records }
        return coverage
    }

    /// Whether a record's ids include `value` (lowercase hex or a job id as written).
    static func taken(_ value: String, by record: LogRecord) -> Bool {
        if let trace = record.traceID?.description, trace == value || trace.hasSuffix(value) { return true }
        if let span = record.spanID?.description, span == value { return true }
        if let job = record.jobID?.lowercased(), job == value || job.replacingOccurrences(of: "-", with: "") == value { return true }
        return false
    }

    /// The id-shaped tokens of `text` that follow an id word, as (shape, value).
    static func candidates(in text: [UInt8]) -> [(String, String)] {
        var found: [(String, String)] = []
        var i = 0
        let n = text.count
        func isHex(_ byte: UInt8) -> Bool {
            (byte >= 48 && byte <= 57) || (byte | 0x20 >= 97 && byte | 0x20 <= 102)
        }
        func isWord(_ byte: UInt8) -> Bool {
            (byte >= 48 && byte <= 57) || (byte | 0x20 >= 97 && byte | 0x20 <= 122)
        }
        while i < n {
            guard isHex(text[i]), i == 0 || !isWord(text[i - 1]) else {
                i += 1
                continue
            }
            var end = i
            while end < n, isHex(text[end]) || text[end] == UInt8(ascii: "-") { end += 1 }
            while end > i, text[end - 1] == UInt8(ascii: "-") { end -= 1 }
            defer { i = max(end, i + 1) }
            guard end == n || !isWord(text[end]) else { continue }
            let token = Array(text[i..<end])
            let parts = token.split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false).map(\.count)
            let shape: String
            let value: [UInt8]
            switch parts {
            case [32]: (shape, value) = ("<hex32>", token)
            case [16] where token.contains(where: { $0 | 0x20 >= 97 }): (shape, value) = ("<hex16>", token)
            case [8, 4, 4, 4, 12]: (shape, value) = ("<uuid>", token)
            case [2, 32, 16, 2]: (shape, value) = ("<traceparent>", Array(token[3..<35]))
            default: continue
            }
            if value.allSatisfy({ $0 == UInt8(ascii: "0") || $0 == UInt8(ascii: "-") }) { continue }
            // What stands before it: the text up to the previous space, brace, comma or bracket.
            var start = i
            while start > 0, i - start < 96 {
                let byte = text[start - 1]
                if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == UInt8(ascii: "{") || byte == UInt8(ascii: ",")
                    || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "(") || byte == UInt8(ascii: "|") { break }
                start -= 1
            }
            var context = String(decoding: text[start..<i], as: UTF8.self)
            if context.isEmpty, start > 0 {
                // "TraceId: <id>", "trace <id>": the word before a space.
                var wordStart = start - 1
                while wordStart > 0, text[wordStart - 1] != 0x20, text[wordStart - 1] != 0x0A, start - wordStart < 32 { wordStart -= 1 }
                context = String(decoding: text[wordStart..<start], as: UTF8.self)
            }
            let lowered = context.lowercased()
            guard idWords.contains(where: lowered.contains) else { continue }
            found.append((context + shape, String(decoding: value, as: UTF8.self).lowercased().replacingOccurrences(of: "-", with: "")))
        }
        return found
    }

    // MARK: - Output

    /// The report for a terminal: tables by source and by rule, then the suspects.
    public var text: String {
        var out = "records \(total.records): \(total.traced) with a trace id, \(total.jobOnly) with a job id only, \(total.unlinked) with none\n\n"
        let width = max(12, sources.map { $0.name.count }.max() ?? 0)
        func pad(_ text: String, _ length: Int) -> String { text + String(repeating: " ", count: max(0, length - text.count)) }
        func right(_ value: Int, _ length: Int) -> String { let text = String(value); return String(repeating: " ", count: max(0, length - text.count)) + text }
        out += pad("source", width) + "   records   trace  job only    none\n"
        for (name, tally) in sources {
            out += pad(name.escapingControlCharacters, width) + right(tally.records, 10) + right(tally.traced, 8) + right(tally.jobOnly, 10) + right(tally.unlinked, 8) + "\n"
        }
        out += "\n" + pad("rule", width) + "   records\n"
        if rules.isEmpty { out += "(no rule linked a record)\n" }
        for (name, records) in rules { out += pad(name.escapingControlCharacters, width) + right(records, 10) + "\n" }
        out += "\n"
        if suspects.isEmpty {
            out += "suspects: none — no id-shaped value after an id word that no rule took\n"
        } else {
            out += "suspects: \(suspects.count) shape\(suspects.count == 1 ? "" : "s") no rule takes, \(suspects.reduce(0) { $0 + $1.records }) records\n"
            for suspect in suspects {
                out += "  \(suspect.shape.escapingControlCharacters)   (\(suspect.records) record\(suspect.records == 1 ? "" : "s"))\n"
                for example in suspect.examples {
                    out += "    \(example.location.description.escapingControlCharacters)  \(String(example.text.prefix(160)).escapingControlCharacters)\n"
                }
            }
        }
        return out
    }

    /// The report as one JSON object.
    public var json: String {
        let out = JSONWriter()
        out.raw("{\"records\":")
        tally(total, out)
        out.raw(",\"sources\":")
        out.array(sources) { name, tally in
            out.raw("{\"source\":")
            out.string(name)
            out.raw(",\"records\":")
            self.tally(tally, out)
            out.byte(UInt8(ascii: "}"))
        }
        out.raw(",\"rules\":")
        out.array(rules) { name, records in
            out.raw("{\"rule\":")
            out.string(name)
            out.raw(",\"records\":")
            out.int(records)
            out.byte(UInt8(ascii: "}"))
        }
        out.raw(",\"suspects\":")
        out.array(suspects) { suspect in
            out.raw("{\"shape\":")
            out.string(suspect.shape)
            out.raw(",\"records\":")
            out.int(suspect.records)
            out.raw(",\"examples\":")
            out.array(suspect.examples) { example in
                out.raw("{\"file\":")
                out.string(example.location.file)
                out.raw(",\"line\":")
                out.int(example.location.line)
                out.raw(",\"text\":")
                out.string(example.text)
                out.byte(UInt8(ascii: "}"))
            }
            out.byte(UInt8(ascii: "}"))
        }
        out.raw("}\n")
        return String(decoding: out.bytes, as: UTF8.self)
    }

    private func tally(_ tally: Tally, _ out: JSONWriter) {
        out.raw("{\"total\":")
        out.int(tally.records)
        out.raw(",\"trace\":")
        out.int(tally.traced)
        out.raw(",\"job_only\":")
        out.int(tally.jobOnly)
        out.raw(",\"none\":")
        out.int(tally.unlinked)
        out.byte(UInt8(ascii: "}"))
    }
}
