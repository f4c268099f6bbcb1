// A rule file: the input is the text of one YAML file in a --rules folder, loaded as
// `correlate rules test DIR` does (RuleLoader: RuleFileParser, CompiledRule with PCRE2,
// RuleSet with its prefilter and combined pattern), then the rules' own test cases
// (RuleTestRunner); and the same text as an alert mappings file (AlertRules, rules/alerts.yaml)
// with its test cases.
import CorrelateExtract

nonisolated(unsafe) var keep = 0

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let sources = [RuleSource(path: "fuzz/rules.yaml", text: text)]
    if let loaded = try? RuleLoader.load(sources) {
        let report = RuleTestRunner().run(loaded.ruleSet)
        keep &+= report.passed &+ report.failed
    }
    if let alertRules = try? AlertRules.load(sources) {
        let report = alertRules.runTests()
        keep &+= report.passed &+ report.failed
    }
    return 0
}
