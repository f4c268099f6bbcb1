#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
import CorrelateSources
import CorrelateTestSupport

/// The lines of `path` as ``LineReader`` reads them through ``InputFile``, and the error that
/// ended them early, if any.
func linesOf(_ path: String, blockSize: Int = 4096) throws -> (lines: [String], error: InputError?) {
    let reader = try LineReader(path: path, blockSize: blockSize)
    var lines: [String] = []
    do {
        try reader.forEachLine { line in
            lines.append(String(decoding: line.bytes, as: UTF8.self))
            return true
        }
    } catch let error as InputError {
        return (lines, error)
    }
    return (lines, nil)
}

/// A copy of `bytes` in a fresh folder, named `name`.
func write(_ bytes: [UInt8], named name: String) throws -> String {
    let file = try Fixtures.temporaryDirectory("input").appendingPathComponent(name)
    try Data(bytes).write(to: file)
    return file.path
}

func bytes(of path: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: path)))
}

@Suite struct InputFileTests {
    static let plain = Fixtures.celery("logs/worker.otel.log")
    static let gzip = Fixtures.fixture("compressed/worker.otel.log.gz")
    static let zstd = Fixtures.fixture("compressed/worker.otel.log.zst")

    static var expectedLines: [String] {
        get throws { try linesOf(plain).lines }
    }

    @Test(arguments: [
        ([0x1F, 0x8B, 0x08, 0x00] as [UInt8], Compression.gzip),
        ([0x28, 0xB5, 0x2F, 0xFD, 0x04], .zstd),
        (Array("2026-11-25 08:32:27,333 INFO".utf8), .none),
        ([0x1F], .none),
        ([0x28, 0xB5, 0x2F], .none),
        ([], .none),
    ])
    func compressionIsToldByTheFirstBytes(_ head: [UInt8], _ expected: Compression) {
        #expect(Compression.detect(head) == expected)
    }

    /// The content decides, not the name: gzip in a file named `.log` is decompressed, text in
    /// a file named `.gz` is read as text.
    @Test func gzipAndZstdAreDecompressedWhateverTheirName() throws {
        let expected = try Self.expectedLines
        #expect(expected.count == 136)
        let gzipNamedLog = try write(try bytes(of: Self.gzip), named: "worker.log")
        let zstdNamedTxt = try write(try bytes(of: Self.zstd), named: "worker.txt")
        let textNamedGz = try write(try bytes(of: Self.plain), named: "worker.log.gz")
        for path in [Self.gzip, Self.zstd, gzipNamedLog, zstdNamedTxt, textNamedGz] {
            let read = try linesOf(path)
            #expect(read.error == nil, "\(path)")
            #expect(read.lines == expected, "\(path)")
        }
        #expect(try InputFile.open(gzipNamedLog).compression == .gzip)
        #expect(try InputFile.open(zstdNamedTxt).compression == .zstd)
        #expect(try InputFile.open(textNamedGz).compression == .none)
    }

    /// `cat a.gz b.gz` is one gzip stream of two members, as `gzip -d` reads it; zstd frames
    /// one after another likewise (the fixture is two frames).
    @Test func membersAndFramesOneAfterAnotherAreOneInput() throws {
        let gzip = try bytes(of: Self.gzip)
        let twice = try write(gzip + gzip, named: "twice.gz")
        let expected = try Self.expectedLines
        #expect(try linesOf(twice).lines == expected + expected)
        #expect(try linesOf(Self.zstd).lines == expected)
    }

    /// A truncated gzip file keeps the lines before the cut; the error names the file as given
    /// and the line reached.
    @Test func aTruncatedGzipFileKeepsTheLinesBeforeTheCut() throws {
        let cut = try write(Array(try bytes(of: Self.gzip).prefix(3000)), named: "cut.log.gz")
        let read = try linesOf(cut)
        let expected = try Self.expectedLines
        #expect(read.lines.count > 10)
        #expect(read.lines.count < expected.count)
        #expect(read.lines == Array(expected.prefix(read.lines.count)))
        let error = try #require(read.error)
        #expect(error.path == cut)
        #expect(error.line == read.lines.count + 1)
        #expect(error.description.hasPrefix("\(cut):\(read.lines.count + 1): damaged gzip data (it ends before its stream does"))
        #expect(error.description.hasSuffix("the \(read.lines.count) lines before it were read"))
    }

    /// A zstd file cut in its second frame keeps the first frame's lines.
    @Test func aTruncatedZstdFileKeepsTheFramesBeforeTheCut() throws {
        let zstd = try bytes(of: Self.zstd)
        let cut = try write(Array(zstd.prefix(zstd.count - 100)), named: "cut.zst")
        let read = try linesOf(cut)
        #expect(read.lines == Array(try Self.expectedLines.prefix(68)))
        #expect(read.error?.line == 69)
        #expect(read.error?.reason?.hasPrefix("damaged zstd data") == true)
    }

    /// Bytes changed inside the deflate data: the lines before the damage are kept and the
    /// damage is said (zlib's own words in parentheses), never a crash or garbage lines.
    @Test func corruptGzipDataIsReportedAfterTheLinesBeforeIt() throws {
        var gzip = try bytes(of: Self.gzip)
        for index in 2500..<2520 { gzip[index] ^= 0xFF }
        let damaged = try write(gzip, named: "damaged.gz")
        let read = try linesOf(damaged)
        let expected = try Self.expectedLines
        let error = try #require(read.error)
        #expect(error.reason?.hasPrefix("damaged gzip data (") == true)
        #expect(read.lines.count < expected.count)
        // What came before the damage is what the file holds there, but for the last line
        // reached, which the damage may have cut short.
        #expect(Array(read.lines.dropLast()) == Array(expected.prefix(max(0, read.lines.count - 1))))
    }

    /// A gzip stream on a pipe (standard input) is decompressed as it arrives.
    @Test func aCompressedStreamOnAPipeIsDecompressed() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        let gzip = try bytes(of: Self.gzip)
        let writeEnd = ends[1]
        let writer = Thread {
            var offset = 0
            while offset < gzip.count {
                // A few hundred bytes at a time, as a slow producer writes.
                let count = min(300, gzip.count - offset)
                _ = gzip[offset..<offset + count].withUnsafeBytes { Glibc.write(writeEnd, $0.baseAddress, count) }
                offset += count
                usleep(1000)
            }
            close(writeEnd)
        }
        writer.start()
        let input = try InputFile(descriptor: ends[0], name: "<stdin>", owns: true)
        #expect(input.compression == .gzip)
        #expect(!input.isRegularFile)
        var lines: [String] = []
        try LineReader(input: input).forEachLine(idleMilliseconds: 10, onIdle: {}) { line in
            lines.append(String(decoding: line.bytes, as: UTF8.self))
            return true
        }
        #expect(lines == (try Self.expectedLines))
    }

    /// A pipe whose first read brings a short line of text is read at once: nothing waits for
    /// the bytes a magic number would need.
    @Test func aShortFirstLineOnAPipeIsNotHeldBack() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        _ = "a\n".withCString { Glibc.write(ends[1], $0, 2) }
        // The writing end stays open: opening the input must not wait for more.
        let input = try InputFile(descriptor: ends[0], name: "<stdin>", owns: true)
        #expect(input.compression == .none)
        var buffer = [UInt8](repeating: 0, count: 16)
        let got = try buffer.withUnsafeMutableBufferPointer { try input.read($0.baseAddress!, 16) }
        #expect(Array(buffer.prefix(got)) == Array("a\n".utf8))
        close(ends[1])
    }

    /// What `peek` looked at is handed on again by the reads after it.
    @Test func peekedBytesAreReadAgain() throws {
        let input = try InputFile.open(Self.gzip)
        let head = try input.peek(10)
        #expect(head == Array("2026-11-25".utf8))
        let (all, error) = input.readAll()
        #expect(error == nil)
        #expect(all == (try bytes(of: Self.plain)))
    }

    /// The chunked reader (large files on all cores) keeps the whole lines before damage too,
    /// and then names the line reached.
    @Test func chunksOfATruncatedGzipFileEndWithTheDamage() throws {
        let cut = try write(Array(try bytes(of: Self.gzip).prefix(3000)), named: "cut.gz")
        let reader = ChunkReader(input: try InputFile.open(cut), chunkBytes: 1024, maxLineBytes: 4096, maxRecordBytes: 1024,
                                 isRecordStart: { _ in true })
        let chunk = reader.makeChunk()
        var lines: [String] = []
        var failure: InputError?
        do {
            while try reader.next(into: chunk) {
                lines += String(decoding: chunk.bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                    .dropLast().map(String.init)
            }
        } catch let error as InputError {
            failure = error
        }
        let byLine = try linesOf(cut)
        #expect(lines == byLine.lines)
        #expect(failure?.line == byLine.error?.line)
        #expect(failure?.reason == byLine.error?.reason)
    }

    @Test func aDirectoryIsRefusedWithItsName() throws {
        let folder = try Fixtures.temporaryDirectory()
        #expect { _ = try InputFile.open(folder.path, name: "logs/") } throws: { error in
            (error as? InputError)?.description == "cannot read 'logs/': Is a directory"
        }
    }
}
