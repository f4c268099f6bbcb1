import Foundation
import Testing
import CorrelateSources
import CorrelateTestSupport

func readLines(_ content: [UInt8], maxLineBytes: Int = 1 << 20, blockSize: Int = 4096) throws -> (lines: [[UInt8]], reader: LineReader, numbers: [Int], offsets: [Int64], truncated: [Bool]) {
    let folder = try Fixtures.temporaryDirectory()
    let file = folder.appendingPathComponent("input.log")
    try Data(content).write(to: file)
    let reader = try LineReader(path: file.path, blockSize: blockSize, maxLineBytes: maxLineBytes)
    var lines: [[UInt8]] = []
    var numbers: [Int] = []
    var offsets: [Int64] = []
    var truncated: [Bool] = []
    try reader.forEachLine { line in
        lines.append(Array(line.bytes))
        numbers.append(line.number)
        offsets.append(line.offset)
        truncated.append(line.truncated)
        return true
    }
    return (lines, reader, numbers, offsets, truncated)
}

@Suite struct LineReaderTests {
    @Test func splitsLinesAndStripsTerminators() throws {
        let result = try readLines(Array("a\nbb\r\n\nlast".utf8))
        #expect(result.lines == [Array("a".utf8), Array("bb".utf8), [], Array("last".utf8)])
        #expect(result.numbers == [1, 2, 3, 4])
        #expect(result.offsets == [0, 2, 6, 7])
    }

    @Test func emptyFileHasNoLines() throws {
        let result = try readLines([])
        #expect(result.lines.isEmpty)
        #expect(result.reader.lineCount == 0)
    }

    @Test func linesAcrossBlockBoundariesAreWhole() throws {
        var content: [UInt8] = []
        var expected: [[UInt8]] = []
        for index in 0..<2000 {
            let line = Array("line \(index) \(String(repeating: "x", count: index % 37))".utf8)
            expected.append(line)
            content += line + [0x0A]
        }
        let result = try readLines(content, blockSize: 4096)
        #expect(result.lines == expected)
    }

    @Test func overlongLineIsCutAndTheNextLineSurvives() throws {
        let long = [UInt8](repeating: UInt8(ascii: "z"), count: 10 * 1024 * 1024)
        let content = Array("before\n".utf8) + long + Array("\nafter\n".utf8)
        let result = try readLines(content, maxLineBytes: 64 * 1024, blockSize: 64 * 1024)
        #expect(result.lines.count == 3)
        #expect(result.lines[0] == Array("before".utf8))
        #expect(result.lines[1].count == 64 * 1024)
        #expect(result.truncated == [false, true, false])
        #expect(result.lines[2] == Array("after".utf8))
        #expect(result.numbers == [1, 2, 3])
        #expect(result.offsets[2] == Int64(7 + long.count + 1))
        #expect(result.reader.truncatedCount == 1)
    }

    @Test func nulBytesAreData() throws {
        let result = try readLines([0x61, 0x00, 0x62, 0x0A, 0x00, 0x0A])
        #expect(result.lines == [[0x61, 0x00, 0x62], [0x00]])
    }

    @Test func missingFileThrowsWithItsPath() {
        #expect {
            _ = try LineReader(path: "/nonexistent/correlate/input.log")
        } throws: { error in
            (error as? InputError)?.description.contains("/nonexistent/correlate/input.log") == true
        }
    }

    @Test func directoryIsRefused() throws {
        let folder = try Fixtures.temporaryDirectory()
        #expect(throws: InputError.self) { _ = try LineReader(path: folder.path) }
    }
}
