import Foundation
import Testing
@testable import CorrelateExtract
import CorrelateModel
import CorrelateTestSupport

private func loadFailure(_ folder: String) throws -> [Diagnostic] {
    let sources = try RuleLoader.sources(inDirectory: Fixtures.fixture("bad-rules/\(folder)"))
    do {
        _ = try RuleLoader.load(sources)
    } catch {
        return error.diagnostics
    }
    Issue.record("rules in \(folder) loaded but should not")
    return []
}

@Suite struct RuleLoaderTests {
    @Test func ruleThatDoesNotCompileNamesFileRuleMessageAndOffset() throws {
        let diagnostics = try loadFailure("does-not-compile")
        #expect(diagnostics.count == 1)
        let diagnostic = try #require(diagnostics.first)
        #expect(diagnostic.code == "rule-does-not-compile")
        #expect(diagnostic.message.contains("'traceparent-broken'"))
        #expect(diagnostic.message.contains("missing closing parenthesis"))
        #expect(diagnostic.caretLabel == "PCRE2 error 114 at offset 24")
        let location = try #require(diagnostic.location)
        #expect(location.file.hasSuffix("bad-rules/does-not-compile/rules.yaml"))
        // Line 4, and the column of the character at offset 24 inside the quotes.
        #expect(location.line == 4)
        let snippet = try #require(diagnostic.snippet)
        #expect(snippet == "    pattern: '(?<trace_id>[0-9a-f]{32}'")
        let column = try #require(location.column)
        #expect(Array(snippet)[column - 1] == "'")  // the end of the pattern, where PCRE2 gave up
    }

    /// A rule file written with CR LF line ends is located line by line all the same.
    @Test func aCRLFRuleFileIsLocatedByItsLines() throws {
        let unix = try #require(try RuleLoader.sources(inDirectory: Fixtures.fixture("bad-rules/does-not-compile")).first)
        let windows = RuleSource(path: unix.path, text: unix.text.replacingOccurrences(of: "\n", with: "\r\n"))
        var diagnostics: [Diagnostic] = []
        do { _ = try RuleLoader.load([windows]) } catch { diagnostics = error.diagnostics }
        let diagnostic = try #require(diagnostics.first)
        #expect(diagnostic.code == "rule-does-not-compile")
        #expect(diagnostic.location?.line == 4)
        #expect(diagnostic.snippet == "    pattern: '(?<trace_id>[0-9a-f]{32}'")
    }

    @Test func caretPointsIntoABlockPattern() throws {
        let diagnostic = try #require(try loadFailure("block-pattern").first)
        #expect(diagnostic.code == "rule-does-not-compile")
        let location = try #require(diagnostic.location)
        #expect(location.line == 5)
        #expect(diagnostic.snippet == "      (?<span_id>[0-9a-f]{16}")
    }

    @Test(arguments: [
        ("no-id-group", "rule-without-id-group"),
        ("unknown-group", "rule-unknown-group"),
        ("unknown-id-format", "rule-unknown-id-format"),
        ("duplicate-name", "rule-duplicate-name"),
        ("not-yaml", "rule-file-not-yaml"),
        ("backreference", "rule-forbidden-construct"),
        ("control-verb", "rule-forbidden-construct"),
        ("duplicate-name-across-files", "rule-duplicate-name"),
    ])
    func badRulesAreRefusedWithTheirCode(folder: String, code: String) throws {
        let diagnostics = try loadFailure(folder)
        #expect(diagnostics.map(\.code).contains(code), "\(diagnostics.map(\.description))")
        #expect(diagnostics.allSatisfy { $0.location?.file.contains(folder) == true })
    }

    @Test func userRulesOverrideShippedRulesByName() throws {
        let sources = RuleLoader.shippedSources()
            + (try RuleLoader.sources(inDirectory: Fixtures.fixture("override-rules")))
        let loaded = try RuleLoader.load(sources)
        let rule = try #require(loaded.ruleSet.rule(named: "celery-task"))
        #expect(rule.rule.location.file.hasSuffix("override-rules/celery.yaml"))
        #expect(loaded.ruleSet.rules.filter { $0.rule.name == "celery-task" }.count == 1)
        #expect(loaded.notes.contains { $0.code == "rule-overridden" && $0.message.contains("celery-task") })
    }

    /// Issue 9, failure 8: a verb anywhere in a rule is refused with its position, so one user
    /// rule cannot stop the shipped rules from searching a line.
    @Test func aControlVerbAnywhereIsRefusedAtItsColumn() throws {
        let diagnostic = try #require(try loadFailure("control-verb").first)
        #expect(diagnostic.message.contains("(*COMMIT)"))
        let location = try #require(diagnostic.location)
        #expect(location.line == 6)
        let snippet = try #require(diagnostic.snippet)
        let column = try #require(location.column)
        #expect(String(Array(snippet)[(column - 1)...].prefix(9)) == "(*COMMIT)")
    }

    @Test(arguments: [
        #"a(*PRUNE)b(?<trace_id>x)"#, #"(*UTF)(?<trace_id>x)"#, #"(?:(*SKIP)x)(?<trace_id>x)"#, #"(?<trace_id>x)(*ACCEPT)"#,
        #"(?<trace_id>x)(*:mark)"#, #"(?<trace_id>x)(*pla:y)"#,
    ])
    func everyKindOfVerbIsFound(pattern: String) {
        #expect(RulePatternCheck.forbiddenConstruct(in: pattern) != nil, "\(pattern)")
    }

    @Test(arguments: [
        #"\(\*COMMIT\)(?<trace_id>x)"#, #"[(*](?<trace_id>x)"#, #"\Q(*COMMIT)\E(?<trace_id>x)"#, #"(?#(*COMMIT))(?<trace_id>x)"#,
        #"(?i)(?<trace_id>x)"#, #"(?:a|b)*(?<trace_id>x)"#,
    ])
    func literalStarsAndPlainGroupsAreAllowed(pattern: String) {
        #expect(RulePatternCheck.forbiddenConstruct(in: pattern) == nil, "\(pattern)")
    }

    @Test func sameNameInTwoFilesOfOneFolderIsAnErrorNamingBoth() throws {
        let diagnostic = try #require(try loadFailure("duplicate-name-across-files").first)
        #expect(diagnostic.message.contains("duplicate-name-across-files/a.yaml and"), "\(diagnostic.message)")
        #expect(diagnostic.location?.file.hasSuffix("b.yaml") == true)
    }

    /// Found by fuzz-rules (it trapped on a Dictionary of duplicate keys): a label mapped twice
    /// in alert_mappings is a configuration error at the second entry.
    @Test func aLabelMappedTwiceIsAnErrorAtItsSecondEntry() throws {
        let path = Fixtures.fixture("fuzz/rules-label-mapped-twice.yaml")
        let text = try String(decoding: Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
        do {
            _ = try AlertRules.load([RuleSource(path: path, text: text)])
            Issue.record("loaded")
        } catch {
            let diagnostic = try #require(error.diagnostics.first)
            #expect(diagnostic.message.contains("label job is mapped twice (first on line 13)"), "\(diagnostic.message)")
            #expect(diagnostic.location?.file == path)
            #expect(diagnostic.location?.line == 17)
        }
    }

    @Test func missingFolderIsAnError() {
        #expect(throws: RuleLoadError.self) { _ = try RuleLoader.sources(inDirectory: "/nonexistent/rules") }
    }
}
