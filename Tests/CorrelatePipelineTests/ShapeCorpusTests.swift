import Foundation
import Testing
import CorrelateTestSupport

/// Issue 10: every log shape of `Tests/Fixtures/shapes/` (one file per framework, runtime,
/// vendor convention or wrapper, each naming its source) yields exactly the records and ids its
/// header expects, through the same path `correlate extract` takes.
@Suite struct ShapeCorpusTests {
    struct Expected: CustomStringConvertible {
        var line: Int
        var trace: String?
        var span: String?
        var job: String?
        var severity: String?
        var lines: Int
        var description: String {
            "\(line) trace=\(trace ?? "-") span=\(span ?? "-") job=\(job ?? "-") severity=\(severity ?? "-") lines=\(lines)"
        }
    }

    struct Shape {
        var name: String
        var expected: [Expected]
        var body: Data
    }

    static let folder = Fixtures.fixture("shapes")

    static var names: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".log") }.sorted()
    }

    static func load(_ name: String) throws -> Shape {
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
        let separator = Data("\n# ---\n".utf8)
        let split = try #require(data.range(of: separator), "\(name) has no '# ---' line")
        let header = String(decoding: data[..<split.lowerBound], as: UTF8.self)
        var expected: [Expected] = []
        for line in header.split(separator: "\n") where line.hasPrefix("# expect: ") {
            let fields = line.dropFirst("# expect: ".count).split(separator: " ")
            var item = Expected(line: Int(fields[0])!, lines: 1)
            for field in fields.dropFirst() {
                let parts = field.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { continue }
                let value = parts[1] == "-" ? nil : parts[1]
                switch parts[0] {
                case "trace": item.trace = value
                case "span": item.span = value
                case "job": item.job = value
                case "severity": item.severity = value
                case "lines": item.lines = Int(parts[1]) ?? 1
                default: Issue.record("\(name): unknown field \(parts[0])")
                }
            }
            expected.append(item)
        }
        return Shape(name: name, expected: expected, body: data[split.upperBound...])
    }

    @Test func theCorpusHasFortyShapesOrMoreEachWithItsSource() throws {
        #expect(Self.names.count >= 40)
        for name in Self.names {
            let data = try Data(contentsOf: URL(fileURLWithPath: Self.folder + "/" + name))
            let text = String(decoding: data.prefix(4096), as: UTF8.self)
            #expect(text.contains("\n# source: ") || text.hasPrefix("# source: "), "\(name) names no source")
            #expect(!(try Self.load(name)).expected.isEmpty, "\(name) expects nothing")
        }
    }

    @Test(arguments: ShapeCorpusTests.names)
    func everyRecordYieldsItsIds(name: String) throws {
        let shape = try Self.load(name)
        let file = try Fixtures.temporaryDirectory("shape").appendingPathComponent(name)
        try shape.body.write(to: file)
        let result = try runExtract([file.path], threads: 1)
        let got = result.records.map { record in
            Expected(line: record.sourceLine, trace: record.string("trace_id"), span: record.string("span_id"),
                     job: record.string("job_id"), severity: record.string("severity"), lines: record.sourceLines)
        }
        #expect(got.count == shape.expected.count, "\(name): \(got.count) records, expected \(shape.expected.count):\n\(got.map(\.description).joined(separator: "\n"))")
        for (want, have) in zip(shape.expected, got) {
            // Severity is compared where the shape states one.
            var have = have
            if want.severity == nil { have.severity = nil }
            #expect(want.description == have.description, "\(name)")
        }
    }
}
