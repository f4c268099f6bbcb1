import Testing
import CorrelateModel

@Suite struct SeverityTests {
    @Test(arguments: [
        ("INFO", Severity.info), ("info", .info), ("Warning", .warn), ("WARN", .warn),
        ("ERROR", .error), ("err", .error), ("CRITICAL", .fatal), ("fatal", .fatal),
        ("DEBUG", .debug), ("trace", .trace), ("NOTICE", .info), ("E", .error),
        ("3", .error), ("6", .info), ("7", .debug), ("17", .error), ("10", .info),
        // .NET's LogLevel and console abbreviations, Serilog's levels.
        ("Information", .info), ("fail", .error), ("dbug", .debug), ("trce", .trace), ("crit", .fatal),
        ("Verbose", .trace), ("VRB", .trace), ("emergency", .fatal),
    ])
    func levelWordsAndNumbersNormalise(text: String, expected: Severity) {
        #expect(Severity(text: text) == expected)
    }

    @Test(arguments: ["", "INFORMATIONAL", "verbosity", "42", "x"])
    func unknownLevelsAreNil(text: String) {
        #expect(Severity(text: text) == nil)
    }
}
