import Foundation
public import CorrelateMatcher
public import CorrelateModel
import Yams

/// `rules/alerts.yaml`: which alert labels match which span or resource attributes, what an
/// alert is about (errors or latency), its latency threshold, and how far before it fired to
/// look. Data, tested like the extraction rules (`correlate rules test`).
public struct AlertRules: Sendable {
    public struct LabelMapping: Sendable, Equatable {
        public var label: String
        public var attributes: [String]
        /// Also match a span named `<value>` or `<anything>/<value>` (Celery names its spans
        /// `apply_async/<task>` and `run/<task>`).
        public var matchSpanName: Bool
        /// What a match adds to a trace's score, 1 by default (`weight`): less for Prometheus
        /// target labels (`job`, `instance`), which name the scraped exporter more often than
        /// the application.
        public var weight: Double = 1
    }

    public enum Kind: String, Sendable {
        case error, latency
    }

    /// What an alert measures (see ``AlertMeasure``).
    public typealias Measure = AlertMeasure

    /// A rule of `measures`: a pattern over the PromQL expression of the alert's
    /// `generatorURL` (`expr`), or over its name, summary and description (`text`).
    struct MeasureRule: Sendable {
        enum Field: String, Sendable { case expr, text }
        var measure: Measure
        var field: Field
        var pattern: Pattern
    }

    public struct Test: Sendable {
        var labels: [(String, String)]
        var annotations: [(String, String)]
        var expectKind: String?
        var expectMeasure: String?
        var generatorURL: String?
        var expectThreshold: Double?
        var expectMatches: [String: [String]]?
        var location: SourceLocation
    }

    public var mappings: [LabelMapping]
    var measures: [MeasureRule]
    public var defaultThresholdMilliseconds: Double
    var thresholdPattern: Pattern?
    public var lookbackNanoseconds: Int64
    /// The span attributes that carry a job id, first found wins (`job_id_attributes`): what
    /// joins a log line's job id to its trace (see ``Span/jobIDAttributes``).
    public var jobIDAttributes: [String] = Span.jobIDAttributes
    var tests: [Test]
    /// The file they came from.
    public var file: String

    // MARK: - What an alert is about

    /// Error, latency, or neither (see ``measure(of:)``).
    public func kind(of alert: Alert) -> Kind? {
        measure(of: alert).measure.kind.flatMap(Kind.init(rawValue:))
    }

    /// What the alert measures, and what said so. The `expr` rules are tried first, in order,
    /// on the PromQL expression of the alert's `generatorURL` (Prometheus's `g0.expr`): the
    /// metric names what is measured. Then the `text` rules, in order, on the alert's name,
    /// then its summary, then its description.
    public func measure(of alert: Alert) -> (measure: Measure, from: String) {
        if let expression = alert.generatorURL.flatMap(Self.expression(inGeneratorURL:)) {
            for rule in measures where rule.field == .expr {
                if let found = rule.pattern.firstMatchedText(in: expression) {
                    return (rule.measure, "generatorURL expr \(found)")
                }
            }
        }
        for (field, text) in [("alertname", alert.name), ("summary", alert.annotation("summary") ?? ""),
                              ("description", alert.annotation("description") ?? "")] where !text.isEmpty {
            for rule in measures where rule.field == .text {
                if let found = rule.pattern.firstMatchedText(in: text) {
                    return (rule.measure, "\(field) \"\(found)\"")
                }
            }
        }
        return (.unknown, "no rule of measures matched")
    }

    /// The PromQL expression of a Prometheus `generatorURL`
    /// (`http://prometheus:9090/graph?g0.expr=<url-encoded>&g0.tab=1`), or nil.
    public static func expression(inGeneratorURL url: String) -> String? {
        guard let query = url.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
        for pair in query.split(separator: "&") where pair.hasPrefix("g0.expr=") {
            return String(pair.dropFirst("g0.expr=".count)).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
        }
        return nil
    }

    /// The latency threshold in ms: said in the annotations, else the default.
    public func thresholdMilliseconds(of alert: Alert) -> Double {
        statedThresholdMilliseconds(of: alert) ?? defaultThresholdMilliseconds
    }

    /// The latency threshold in ms the alert's annotations state (`threshold_pattern`), or nil.
    public func statedThresholdMilliseconds(of alert: Alert) -> Double? {
        guard let pattern = thresholdPattern else { return nil }
        for (_, text) in alert.annotations {
            guard let groups = pattern.firstMatch(in: text), let value = groups["value"].flatMap(Double.init) else { continue }
            switch groups["unit"]?.lowercased() {
            case "ms": return value
            case "m": return value * 60_000
            default: return value * 1_000
            }
        }
        return nil
    }

    /// The alert's labels that restrict the search, with the mapping of each.
    public func matches(for alert: Alert) -> [(value: String, mapping: LabelMapping)] {
        mappings.compactMap { mapping in alert.label(mapping.label).map { ($0, mapping) } }
    }

    // MARK: - Loading

    /// The mappings of the last source that has `alert_mappings` (so a user file replaces the
    /// shipped one).
    public static func load(_ sources: [RuleSource]) throws(RuleLoadError) -> AlertRules {
        var found: AlertRules?
        var errors: [Diagnostic] = []
        for source in sources {
            // A shipped file without the key is one of the extraction rule files, which their
            // own tests keep well-formed: composing it here would only find it has no mappings.
            // A user's file is composed whatever it holds, so that a broken one fails at once.
            if source.isShipped, !source.text.containsBytes("alert_mappings") { continue }
            do {
                if let rules = try parse(source) { found = rules }
            } catch {
                errors.append(error)
            }
        }
        guard errors.isEmpty else { throw RuleLoadError(diagnostics: errors) }
        guard let found else {
            throw RuleLoadError(diagnostics: [Diagnostic(.error, code: "alert-rules-missing",
                "no rule file has alert_mappings", help: "the shipped rules/alerts.yaml has them; --no-shipped-rules needs a replacement")])
        }
        return found
    }

    static func parse(_ source: RuleSource) throws(Diagnostic) -> AlertRules? {
        let root = try RuleYAML.compose(source.text, file: source.path)
        guard let top = root?.mapping, let node = top["alert_mappings"] else { return nil }
        func fail(_ at: Node?, _ message: String) -> Diagnostic {
            Diagnostic(.error, code: "alert-rules-invalid", message,
                       location: SourceLocation(file: source.path, line: at?.mark?.line ?? 1, column: at?.mark?.column))
        }
        guard let mapping = node.mapping else { throw fail(node, "alert_mappings must be a mapping") }
        var mappings: [LabelMapping] = []
        var firstLine: [String: Int] = [:]
        for item in mapping["labels"]?.sequence ?? [] {
            guard let label = item["label"]?.string, let attributes = item["attributes"]?.sequence?.compactMap(\.string) else {
                throw fail(item, "each entry of labels needs 'label' and a list of 'attributes'")
            }
            if let line = firstLine[label] {
                throw fail(item["label"], "label \(label) is mapped twice (first on line \(line)): give it one entry with every attribute")
            }
            firstLine[label] = item.mark?.line ?? 1
            var weight = 1.0
            if let node = item["weight"] {
                guard let value = node.float, value >= 0, value.isFinite else {
                    throw fail(node, "the weight of label \(label) must be a number of 0 or more (1: full evidence)")
                }
                weight = value
            }
            mappings.append(LabelMapping(label: label, attributes: attributes,
                                         matchSpanName: item["match_span_name"].flatMap(RuleYAML.bool) ?? false, weight: weight))
        }
        var measures: [MeasureRule] = []
        let measureNames = Measure.allCases.filter { $0 != .unknown }.map(\.rawValue).joined(separator: ", ")
        for item in mapping["measures"]?.sequence ?? [] {
            guard let name = item["measure"]?.string else {
                throw fail(item, "each entry of measures needs 'measure': one of \(measureNames)")
            }
            guard let measure = Measure(rawValue: name), measure != .unknown else {
                throw fail(item["measure"] ?? item, "'\(name)' is not a measure: one of \(measureNames)")
            }
            let fields = MeasureRule.Field.allCases.filter { item[$0.rawValue] != nil }
            guard fields.count == 1, let field = fields.first, let text = item[field.rawValue]?.string else {
                throw fail(item, "each entry of measures needs one pattern: 'expr' (over the PromQL expression of generatorURL) or 'text' (over the alert's name, summary and description)")
            }
            do {
                measures.append(MeasureRule(measure: measure, field: field, pattern: try Pattern(text)))
            } catch {
                throw fail(item[field.rawValue], "the \(name) \(field.rawValue) pattern does not compile: \(error.message) at offset \(error.offset ?? 0)")
            }
        }
        // The two-way `kinds` of earlier files: error is errors, latency end to end.
        for item in mapping["kinds"]?.sequence ?? [] {
            guard let name = item["kind"]?.string, let kind = Kind(rawValue: name), let text = item["pattern"]?.string else {
                throw fail(item, "each entry of kinds needs 'kind' (error or latency) and 'pattern' (measures say more)")
            }
            do {
                measures.append(MeasureRule(measure: kind == .error ? .errors : .endToEnd, field: .text, pattern: try Pattern(text)))
            } catch {
                throw fail(item["pattern"], "the \(name) pattern does not compile: \(error.message) at offset \(error.offset ?? 0)")
            }
        }
        var thresholdPattern: Pattern?
        if let text = mapping["threshold_pattern"]?.string {
            do {
                thresholdPattern = try Pattern(text)
            } catch {
                throw fail(mapping["threshold_pattern"], "threshold_pattern does not compile: \(error.message) at offset \(error.offset ?? 0)")
            }
            if thresholdPattern?.groupNumber(named: "value") == nil {
                throw fail(mapping["threshold_pattern"], "threshold_pattern needs a group named 'value' (and may have 'unit')")
            }
        }
        var lookback: Int64 = 300_000_000_000
        if let node = mapping["lookback"] {
            guard let text = node.string, let value = DurationText.nanoseconds(text) else {
                throw fail(node, "lookback must be a duration such as 5m")
            }
            lookback = value
        }
        var jobIDAttributes = Span.jobIDAttributes
        if let node = mapping["job_id_attributes"] {
            guard let list = node.sequence?.compactMap(\.string), !list.isEmpty else {
                throw fail(node, "job_id_attributes must be a list of span attribute names")
            }
            jobIDAttributes = list
        }
        var tests: [Test] = []
        for item in mapping["tests"]?.sequence ?? [] {
            let expect = item["expect"]
            tests.append(Test(
                labels: pairs(item["alert"]), annotations: pairs(item["annotations"]),
                expectKind: expect?["kind"]?.string, expectMeasure: expect?["measure"]?.string,
                generatorURL: item["generatorURL"]?.string, expectThreshold: expect?["threshold_ms"]?.float,
                expectMatches: expect?["matches"]?.mapping.map { mapping in
                    Dictionary(mapping.compactMap { key, value in
                        key.string.map { ($0, value.sequence?.compactMap(\.string) ?? []) }
                    }, uniquingKeysWith: { first, _ in first })
                },
                location: SourceLocation(file: source.path, line: item.mark?.line ?? 1)))
        }
        return AlertRules(
            mappings: mappings, measures: measures,
            defaultThresholdMilliseconds: mapping["latency_threshold_ms"]?.float ?? 2000,
            thresholdPattern: thresholdPattern, lookbackNanoseconds: lookback, jobIDAttributes: jobIDAttributes,
            tests: tests, file: source.path)
    }

    private static func pairs(_ node: Node?) -> [(String, String)] {
        (node?.mapping ?? [:]).compactMap { key, value in
            guard let key = key.string, let value = value.scalar?.string else { return nil }
            return (key, value)
        }
    }

    // MARK: - Tests

    /// Runs the test cases of `alerts.yaml`; failures in the shape of the extraction rules'.
    public func runTests() -> RuleTestRunner.Report {
        var report = RuleTestRunner.Report()
        for test in tests {
            let alert = Alert(name: test.labels.first { $0.0 == "alertname" }?.1 ?? "", fingerprint: "", status: .firing,
                              labels: test.labels, annotations: test.annotations, startsAt: Timestamp(nanoseconds: 0), source: "test",
                              generatorURL: test.generatorURL)
            var problems: [String] = []
            if let want = test.expectKind {
                let have = kind(of: alert)?.rawValue ?? "none"
                if want != have { problems.append("kind: expected \(want), got \(have)") }
            }
            if let want = test.expectMeasure {
                let have = measure(of: alert)
                if want != have.measure.rawValue { problems.append("measure: expected \(want), got \(have.measure.rawValue) (from \(have.from))") }
            }
            if let want = test.expectThreshold, thresholdMilliseconds(of: alert) != want {
                problems.append("threshold_ms: expected \(Milliseconds.text(want)), got \(Milliseconds.text(thresholdMilliseconds(of: alert)))")
            }
            if let want = test.expectMatches {
                let have = Dictionary(matches(for: alert).map { ($0.mapping.label, $0.mapping.attributes) },
                                      uniquingKeysWith: { first, _ in first })
                if have != want { problems.append("matches: expected \(want.sorted { $0.key < $1.key }), got \(have.sorted { $0.key < $1.key })") }
            }
            if problems.isEmpty {
                report.passed += 1
            } else {
                report.failures.append(.init(location: test.location, rule: "alert_mappings", reason: problems.joined(separator: "; ")))
            }
        }
        if tests.isEmpty {
            report.failures.append(.init(location: SourceLocation(file: file, line: 1), rule: "alert_mappings", reason: "has no tests"))
        }
        return report
    }
}

extension AlertRules.MeasureRule.Field: CaseIterable {}

extension Pattern {
    /// The text of the first match in `text`; nil when it does not match.
    public func firstMatchedText(in text: String) -> String? {
        let data = MatchData(for: self)
        var copy = text
        return copy.withUTF8 { bytes -> String? in
            guard case .matched = match(UnsafeRawBufferPointer(bytes), using: data), let range = data.range(ofGroup: 0) else { return nil }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        }
    }

    /// The first match in `text`, as its named groups' text; nil when it does not match.
    public func firstMatch(in text: String) -> [String: String]? {
        let data = MatchData(for: self)
        var copy = text
        return copy.withUTF8 { bytes -> [String: String]? in
            guard case .matched = match(UnsafeRawBufferPointer(bytes), using: data) else { return nil }
            var groups: [String: String] = [:]
            for (name, numbers) in namedGroups {
                for number in numbers {
                    if let range = data.range(ofGroup: number) {
                        groups[name] = String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
                    }
                }
            }
            return groups
        }
    }
}
