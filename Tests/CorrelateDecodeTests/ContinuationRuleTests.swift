import Testing
import CorrelateDecode

/// Runs the continuation rule over consecutive lines of one stream; true where a line joins
/// the record before it.
func joins(_ lines: [String]) -> [Bool] {
    var context = StreamContext()
    var decoder = LogDecoder()
    var result: [Bool] = []
    for line in lines {
        var copy = line
        copy.withUTF8 { bytes in
            let decoded = decoder.decode(bytes)
            let continued = ContinuationRule.continues(decoded, after: context)
            ContinuationRule.update(&context, with: decoded, continued: continued)
            result.append(continued)
        }
    }
    return result
}

@Suite struct ContinuationRuleTests {
    @Test func pythonTracebackStaysWithTheLineThatRaised() {
        let lines = [
            "[2026-11-25 08:32:37,935: ERROR/ForkPoolWorker-2] Task x[4a36f591-8564-4d6b-a6ce-664c45bb16ff] raised unexpected",
            "Traceback (most recent call last):",
            "  File \"/srv/app/jobs/tasks.py\", line 88, in resize_image",
            "    raise UnsupportedImageFormat(\"no decoder\")",
            "jobs.tasks.UnsupportedImageFormat: cannot decode img-11457d.heic",
            "[2026-11-25 08:32:38,222: INFO/MainProcess] Task y received",
        ]
        #expect(joins(lines) == [false, true, true, true, true, false])
    }

    @Test func chainedExceptionsStayTogether() {
        let lines = [
            "2026-11-25 08:00:00 ERROR boom",
            "Traceback (most recent call last):",
            "  File \"a.py\", line 1, in f",
            "KeyError: 'x'",
            "",
            "During handling of the above exception, another exception occurred:",
            "",
            "Traceback (most recent call last):",
            "  File \"a.py\", line 3, in g",
            "ValueError: bad",
        ]
        #expect(joins(lines) == [false] + Array(repeating: true, count: 9))
    }

    @Test func jsonLinesNeverContinue() {
        #expect(joins([#"{"message":"a"}"#, #"{"message":"  b"}"#, "  indented"]) == [false, false, true])
    }

    @Test func untimedTextStartsRecordsUnlessIndented() {
        #expect(joins(["first", "second", "  detail of second"]) == [false, false, true])
    }

    @Test func firstLineOfAStreamStartsARecord() {
        #expect(joins(["  indented first"]) == [false])
    }

    @Test func malformedLinesStartRecords() {
        #expect(joins(["2026-11-25 08:00:00 INFO a", "{'python': 'repr'}"]) == [false, false])
    }
}
