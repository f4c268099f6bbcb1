import Foundation
import Testing
@testable import CorrelateExtract
import CorrelateTestSupport

@Suite struct ShippedRulesTests {
    @Test func everyShippedRuleTestPasses() throws {
        let loaded = try RuleLoader.load(RuleLoader.shippedSources())
        let report = RuleTestRunner().run(loaded.ruleSet)
        #expect(report.failures.isEmpty, "\(report.failures.map(\.description).joined(separator: "\n"))")
        #expect(report.passed >= 60)
    }

    @Test func shippedRulesMatchTheRulesFolder() throws {
        let folder = try RuleLoader.sources(inDirectory: Fixtures.path("rules"))
        let shipped = RuleLoader.shippedSources()
        #expect(folder.map { ($0.path as NSString).lastPathComponent } == shipped.map { ($0.path as NSString).lastPathComponent },
                "run scripts/embed-rules.sh after adding or removing a rule file")
        for (file, built) in zip(folder, shipped) {
            #expect(file.text.trimmingCharacters(in: .newlines) == built.text.trimmingCharacters(in: .newlines),
                    "\(file.path) changed: run scripts/embed-rules.sh")
        }
    }

    /// The alert mappings file is left to the alert rules; any file with another top-level key
    /// (or in flow style) is composed as a rule file.
    @Test func onlyAnAlertMappingsFileIsLeftUncomposed() throws {
        let alerts = try #require(RuleLoader.shippedSources().first { $0.path.hasSuffix("alerts.yaml") })
        #expect(RuleFileParser.onlyAlertMappings(alerts.text))
        #expect(RuleFileParser.onlyAlertMappings("# note\n---\nalert_mappings:\n  lookback: 5m\n"))
        // Written on Windows: each line ends in CR LF.
        #expect(RuleFileParser.onlyAlertMappings("# note\r\n---\r\nalert_mappings:\r\n  lookback: 5m\r\n"))
        #expect(!RuleFileParser.onlyAlertMappings("alert_mappings:\r\n  lookback: 5m\r\nrules:\r\n  - name: x\r\n"))
        #expect(!RuleFileParser.onlyAlertMappings("alert_mappings:\n  lookback: 5m\nrules:\n  - name: x\n"))
        #expect(!RuleFileParser.onlyAlertMappings("{alert_mappings: {}, rules: []}\n"))
        #expect(!RuleFileParser.onlyAlertMappings("# only a comment\n"))
        // A rule next to alert mappings is still read.
        var parser = RuleFileParser(file: "mixed.yaml", text: "alert_mappings:\n  lookback: 5m\nrules:\n  - name: x\n    pattern: 'trace=(?<trace_id>[0-9a-f]{32})'\n")
        #expect(parser.parse().map(\.name) == ["x"])
    }

    /// `caseless` is read from its text as YAML 1.1 spells a boolean, quoted or not; anything
    /// else is an error at its line (which fails the load).
    @Test func caselessIsABooleanInAnyOfYAMLsSpellings() {
        let rule = { (name: String, value: String) in
            "  - name: \(name)\n    pattern: 'trace=(?<trace_id>[0-9a-f]{32})'\n    caseless: \(value)\n"
        }
        var parser = RuleFileParser(file: "c.yaml", text: "rules:\n" + rule("a", "true") + rule("b", "Yes") + rule("c", "'on'")
                                    + rule("d", "false") + rule("e", "\"off\"") + rule("f", "maybe"))
        let rules = parser.parse()
        #expect(rules.map { "\($0.name)=\($0.caseless)" } == ["a=true", "b=true", "c=true", "d=false", "e=false", "f=false"])
        #expect(parser.diagnostics.map(\.code) == ["rule-bad-caseless"])
        #expect(parser.diagnostics.first?.location?.line == 19)
    }

    @Test func issueShapesAreAllCovered() throws {
        // Every id shape the extraction issue names is the subject of a shipped rule.
        let names = Set(try RuleLoader.load(RuleLoader.shippedSources()).ruleSet.rules.map(\.rule.name))
        for required in [
            "traceparent-field", "traceparent-bare", "json-trace-id", "json-span-id", "kv-trace-id",
            "kv-span-id", "b3-single", "b3-multi-trace", "xray-root", "dd-trace-id",
            "otel-python-logging", "celery-task", "kv-job-id", "json-job-id",
        ] {
            #expect(names.contains(required), "missing rule \(required)")
        }
    }
}
