public import CorrelateModel

/// Runs the test cases that live beside each rule.
///
/// Each case runs its rule alone, the way the extractor applies it (id formats, all-zero ids
/// rejected). `expect: none` passes when the rule yields no id. A mapping passes when the rule
/// yields exactly the listed ids (unlisted `trace_id`, `span_id` and `job_id` must be absent)
/// and the listed `ts`, `level`, `service` and `message`.
/// A rule without at least one positive and one negative case fails too.
public struct RuleTestRunner {
    public struct Failure: Sendable, CustomStringConvertible {
        public let location: SourceLocation
        public let rule: String
        public let reason: String

        public var description: String { "FAIL \(location): rule '\(rule)': \(reason)" }
    }

    public struct Report: Sendable {
        public var passed = 0
        public var failures: [Failure] = []
        public var failed: Int { failures.count }
    }

    public init() {}

    public func run(_ ruleSet: RuleSet) -> Report {
        let extractor = ruleSet.makeExtractor()
        var report = Report()
        for (index, compiled) in ruleSet.rules.enumerated() {
            let rule = compiled.rule
            let positives = rule.tests.filter { $0.expect != .none }.count
            if positives == 0 || positives == rule.tests.count {
                report.failures.append(Failure(
                    location: rule.location, rule: rule.name,
                    reason: "needs at least one test with ids expected and one with 'expect: none' (has \(positives) and \(rule.tests.count - positives))"))
            }
            for test in rule.tests {
                var line = test.line
                let problems = line.withUTF8 { bytes in
                    check(extractor.extract(bytes, onlyRule: index), test.expect, text: bytes)
                }
                if problems.isEmpty {
                    report.passed += 1
                } else {
                    report.failures.append(Failure(
                        location: test.location, rule: rule.name,
                        reason: problems.joined(separator: "; ") + " — line: \(test.line)"))
                }
            }
        }
        return report
    }

    private func check(
        _ result: Extraction, _ expect: RuleTest.Expectation, text: UnsafeBufferPointer<UInt8>
    ) -> [String] {
        var got: [String: String] = [:]
        if let id = result.traceID { got["trace_id"] = id.description }
        if let id = result.spanID { got["span_id"] = id.description }
        if let range = result.jobID { got["job_id"] = string(text, range) }
        if let value = result.timestamp { got["ts"] = value.description }
        if let value = result.severity { got["level"] = value.rawValue }
        if let range = result.service { got["service"] = string(text, range) }
        if let range = result.message { got["message"] = string(text, range) }
        if result.limitExceeded { return ["the match hit a PCRE2 limit"] }

        switch expect {
        case .none:
            let ids = ["trace_id", "span_id", "job_id"].compactMap { key in got[key].map { "\(key)=\($0)" } }
            return ids.isEmpty ? [] : ["expected no id, got \(ids.joined(separator: " "))"]
        case .values(let expected):
            var problems: [String] = []
            for key in ["trace_id", "span_id", "job_id", "ts", "level", "service", "message"] {
                let want = expected[key].map { normalise(key, $0) }
                let have = got[key]
                let isID = key.hasSuffix("_id")
                if want == nil && (!isID || have == nil) { continue }
                if want != have {
                    problems.append("\(key): expected \(want ?? "none"), got \(have ?? "none")")
                }
            }
            return problems
        }
    }

    /// Expected values are written as users write them; compare them in output form.
    private func normalise(_ key: String, _ value: String) -> String {
        switch key {
        case "trace_id", "span_id": return value.lowercased()
        case "ts": return Timestamp.parse(value)?.description ?? value
        case "level": return Severity(text: value)?.rawValue ?? value
        default: return value
        }
    }

    private func string(_ text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: text[range]), as: UTF8.self)
    }
}
