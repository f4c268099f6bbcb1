import Foundation
import Testing
import CorrelateModel
import CorrelateRender
@testable import CorrelateSinks
import CorrelateTestSupport

private func bundle(_ name: String, revision: Int = 0, fingerprint: String = "11d7c3d7e168b8e8") -> IncidentBundle {
    let start = Timestamp(nanoseconds: 1_764_059_549_000_000_000)
    let alert = Alert(name: name, fingerprint: fingerprint, status: .firing, labels: [("alertname", name)],
                      startsAt: start, source: "alertmanager")
    var bundle = IncidentBundle(alert: alert, windowStart: start, windowEnd: start, traces: [], candidates: 0,
                                unlinkedLogs: [], diagnostics: [], measure: .endToEnd)
    bundle.revision = revision
    return bundle
}

@Suite struct SinkTests {
    @Test func aBundleFileIsNamedAfterItsAlertStartAndRevision() {
        #expect(BundleEmitter.fileName(bundle("JobLatencyHigh", revision: 2)) == "JobLatencyHigh-11d7c3d7e168b8e8-20251125T083229Z-r2.json")
        #expect(BundleEmitter.fileName(bundle("a/../b c")).hasPrefix("a____b_c-"))
    }

    /// A name too long for a file name is cut and given a hash of the whole, so two long names
    /// that share their first 120 bytes still get two files.
    @Test func aLongNameIsCutAndKeptUnique() {
        let long = String(repeating: "é", count: 200)
        let one = BundleEmitter.fileName(bundle(long + "x"))
        let other = BundleEmitter.fileName(bundle(long + "y"))
        #expect(one != other)
        #expect(one.utf8.count <= 255 && other.utf8.count <= 255)
    }

    @Test func anAtomicWriteReplacesTheFileWhole() throws {
        let folder = try Fixtures.temporaryDirectory("sinks")
        let path = folder.appendingPathComponent("out.json").path
        try AtomicFile.write(Array("first\n".utf8), to: path)
        try AtomicFile.write(Array("second\n".utf8), to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "second\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["out.json"])
        #expect(throws: InputFileError.self) { try AtomicFile.write([1], to: folder.appendingPathComponent("no/such/x").path) }
    }

    /// NDJSON writes each revision as it comes; HTML keeps the latest revision of each alert
    /// and writes one page at the end.
    @Test func aStreamWritesRevisionsAsTheyComeOrThePageAtTheEnd() throws {
        let folder = try Fixtures.temporaryDirectory("sinks")
        for format in BundleStream.Format.allCases {
            let path = folder.appendingPathComponent("stream.\(format.rawValue)").path
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            let stream = BundleStream(format: format, output: ByteOutput(descriptor: fd))
            stream.write(bundle("Backlog", revision: 0))
            stream.write(bundle("Backlog", revision: 1))
            stream.finish()
            close(fd)
            let text = try String(contentsOfFile: path, encoding: .utf8)
            switch format {
            case .ndjson:
                #expect(text.split(separator: "\n").count == 2)
            case .text:
                #expect(text.contains("Backlog"))
                #expect(text.components(separatedBy: "FIRING Backlog").count == 3, "a section per revision: \(text)")
            case .markdown:
                #expect(text.contains("Backlog (revision 1)"))
            case .html:
                #expect(text.hasPrefix("<!DOCTYPE html>") || text.hasPrefix("<!doctype html>"), "\(text.prefix(40))")
                #expect(text.components(separatedBy: "Incident: Backlog").count >= 2)
            }
        }
    }

    /// Text and Markdown take the options too: the window's lines without a trace id only with
    /// `logs: .all`, the width of the text.
    @Test(arguments: [BundleOutput.Format.text, .markdown])
    func textAndMarkdownTakeTheOptionsTheyAreGiven(_ format: BundleOutput.Format) {
        var withLogs = bundle("Backlog")
        withLogs.unlinkedLogs = [LogRecord(source: SourceLocation(file: "/var/log/w.log", line: 3), timestamp: withLogs.windowStart,
                                           severity: .warn, message: "queue backlog growing")]
        #expect(!BundleOutput.render([withLogs], format: format, title: "t").contains("queue backlog growing"))
        #expect(BundleOutput.render([withLogs], format: format, title: "t", options: RenderOptions(logs: .all)).contains("queue backlog growing"))
    }

    /// `lookup`, `report` and `run` hand their render options to the HTML page: here, the log
    /// lines of the window that no trace explains, listed only with `logs: .all`.
    @Test func theHTMLPageTakesTheOptionsItIsGiven() throws {
        var withLogs = bundle("Backlog")
        withLogs.unlinkedLogs = [LogRecord(source: SourceLocation(file: "/var/log/w.log", line: 3), timestamp: withLogs.windowStart,
                                           severity: .warn, message: "queue backlog growing")]
        let all = RenderOptions(logs: .all)
        #expect(!BundleOutput.render([withLogs], format: .html, title: "t").contains("queue backlog growing"))
        #expect(BundleOutput.render([withLogs], format: .html, title: "t", options: all).contains("queue backlog growing"))
        let path = try Fixtures.temporaryDirectory("sinks").appendingPathComponent("page.html").path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let stream = BundleStream(format: .html, output: ByteOutput(descriptor: fd), options: all)
        stream.write(withLogs)
        stream.finish()
        close(fd)
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains("queue backlog growing"))
    }
}
