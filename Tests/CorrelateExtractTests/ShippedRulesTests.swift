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
