import Foundation
import Testing
import CorrelateSources
import CorrelateTestSupport

@Suite struct FollowedFileTests {
    private func append(_ text: String, to url: URL) throws {
        let handle = try FileHandle(forWritingTo: url)
        handle.seekToEndOfFile()
        handle.write(Data(text.utf8))
        try handle.close()
    }

    private func lines(_ file: FollowedFile, generations: inout Int) throws -> [String] {
        var out: [String] = []
        try file.poll(newGeneration: { generations += 1 }) { bytes, number in
            out.append("\(number):" + String(decoding: bytes, as: UTF8.self))
        }
        return out
    }

    @Test func handsOnAppendedLinesAndHoldsAnUnfinishedOne() throws {
        let url = try Fixtures.temporaryDirectory().appendingPathComponent("a.log")
        try "one\ntwo\r\nthr".write(to: url, atomically: false, encoding: .utf8)
        let file = try FollowedFile(path: url.path)
        var generations = 0
        #expect(try lines(file, generations: &generations) == ["1:one", "2:two"])
        #expect(try lines(file, generations: &generations) == [], "nothing new")
        try append("ee\nfour\n", to: url)
        #expect(try lines(file, generations: &generations) == ["3:three", "4:four"])
        try append("five", to: url)
        #expect(try lines(file, generations: &generations) == [])
        var last: [String] = []
        file.finish { last.append("\($1):" + String(decoding: $0, as: UTF8.self)) }
        #expect(last == ["5:five"])
        #expect(generations == 0)
    }

    @Test func followsARenameRotationAfterReadingTheOldFileToItsEnd() throws {
        let folder = try Fixtures.temporaryDirectory()
        let url = folder.appendingPathComponent("w.log")
        try "a\n".write(to: url, atomically: false, encoding: .utf8)
        let file = try FollowedFile(path: url.path)
        var generations = 0
        #expect(try lines(file, generations: &generations) == ["1:a"])
        try append("b\n", to: url)  // written just before the rename
        try FileManager.default.moveItem(at: url, to: folder.appendingPathComponent("w.log.1"))
        try "c\nd\n".write(to: url, atomically: false, encoding: .utf8)
        #expect(try lines(file, generations: &generations) == ["2:b", "1:c", "2:d"])
        #expect(generations == 1)
        #expect(file.generation == 1)
    }

    @Test func rereadsATruncatedFileFromItsStart() throws {
        let url = try Fixtures.temporaryDirectory().appendingPathComponent("t.log")
        try "first line\nsecond line\n".write(to: url, atomically: false, encoding: .utf8)
        let file = try FollowedFile(path: url.path)
        var generations = 0
        #expect(try lines(file, generations: &generations).count == 2)
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: 0)
        try handle.close()
        try append("new\n", to: url)
        #expect(try lines(file, generations: &generations) == ["1:new"])
        #expect(generations == 1)
    }

    @Test func cutsALongLineToItsBoundAndCountsIt() throws {
        let url = try Fixtures.temporaryDirectory().appendingPathComponent("l.log")
        try (String(repeating: "x", count: 100) + "\nok\n").write(to: url, atomically: false, encoding: .utf8)
        let file = try FollowedFile(path: url.path, maxLineBytes: 10)
        var generations = 0
        #expect(try lines(file, generations: &generations) == ["1:xxxxxxxxxx", "2:ok"])
        #expect(file.truncatedCount == 1)
    }

    @Test func startsAtAnOffset() throws {
        let url = try Fixtures.temporaryDirectory().appendingPathComponent("o.log")
        try "old\nnew\n".write(to: url, atomically: false, encoding: .utf8)
        let file = try FollowedFile(path: url.path, offset: 4)
        var generations = 0
        #expect(try lines(file, generations: &generations) == ["1:new"])
    }

    @Test func aMissingFileIsAnInputError() {
        #expect(throws: InputError.self) { try FollowedFile(path: "/nonexistent/correlate/x.log") }
    }
}
