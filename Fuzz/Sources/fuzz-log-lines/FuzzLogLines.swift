// Log lines through the path of `correlate extract` with the shipped rules: ExtractPipeline
// (LineReader → LogDecoder → ContinuationRule / RecordAssembler → Extractor → record writer).
// The pipeline reads only files, so the input is written to a file on tmpfs and the pipeline
// reads it, three ways:
//   1. every record, then `--only-linked --max-line-bytes 4096`, each line by line
//      (`correlate extract FILE --threads 1`) and, for inputs of 2 KiB or more, cut into
//      1 KiB chunks assembled on two threads (ChunkReader; the path `correlate extract` takes
//      for a large regular file), records longer than 1 KiB cut between chunks — whose NDJSON
//      must be byte for byte what the line-by-line path wrote (the promise of identical
//      output; a difference traps, so libFuzzer keeps the input);
//   2. every record with `--max-line-bytes 4096`, whose records with an id must be, byte for
//      byte, what `--only-linked` wrote (a difference traps);
//   3. `--only-linked --max-line-bytes 4096`, records collected as LogRecords — the sink of
//      `correlate ingest`.
// Each run builds its pipeline afresh, as the tool does: one input never sees another's state.
// That is what makes this target slow (~60 inputs/s: the pipeline's buffers are megabytes,
// which AddressSanitizer maps and unmaps every time).
#if canImport(Glibc)
import Glibc
#endif
import CorrelateExtract
import CorrelatePipeline
import CorrelateSinks

/// The shipped rules, compiled once (as `correlate extract` without --rules and with
/// CORRELATE_RULES ignored).
let shippedRules: RuleSet = {
    do {
        return try RuleSelection(includeEnvironment: false).load().ruleSet
    } catch {
        fatalError("the shipped rules do not load: \(error)")
    }
}()

/// The file the pipeline reads: created on tmpfs and unlinked at once (nothing is left behind
/// when the run ends, however it ends), read through /proc/self/fd.
let inputFile: Int32 = {
    let path = "/dev/shm/correlate-fuzz-log-lines-\(getpid()).log"
    let fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    precondition(fd >= 0, "cannot create \(path)")
    unlink(path)
    return fd
}()
let inputPath = "/proc/self/fd/\(inputFile)"

/// A tmpfs file for one path's NDJSON, unlinked at once.
func outputFile(_ name: String) -> Int32 {
    let path = "/dev/shm/correlate-fuzz-log-lines-\(getpid())-\(name).ndjson"
    let fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    precondition(fd >= 0, "cannot create \(path)")
    unlink(path)
    return fd
}
let lineByLineOutput = outputFile("lines")
let chunkedOutput = outputFile("chunks")

/// What `fd` holds, from its start.
func contents(_ fd: Int32) -> [UInt8] {
    let size = Int(lseek(fd, 0, SEEK_END))
    var bytes = [UInt8](repeating: 0, count: size)
    _ = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, size, 0) }
    return bytes
}


nonisolated(unsafe) var keep = 0

/// Runs the pipeline over the input into `fd` (emptied first).
func extract(_ rules: RuleSet, into fd: Int32, onlyLinked: Bool, maxLineBytes: Int, chunked: Bool) {
    precondition(ftruncate(fd, 0) == 0 && lseek(fd, 0, SEEK_SET) == 0)
    var configuration = ExtractConfiguration(
        inputs: [inputPath], onlyLinked: onlyLinked, maxLineBytes: maxLineBytes,
        threads: chunked ? 2 : 1, chunkBytes: 1024)
    configuration.maxRecordBytes = 1024
    let pipeline = ExtractPipeline(ruleSet: rules, configuration: configuration, output: ByteOutput(descriptor: fd))
    keep &+= (try? pipeline.run())?.records ?? 0
}

/// Traps (a finding) when the chunked path wrote other NDJSON than the line-by-line path.
func expectSame(_ what: String) {
    let expected = contents(lineByLineOutput)
    let got = contents(chunkedOutput)
    guard got != expected else { return }
    let at = zip(got, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(got.count, expected.count)
    fatalError("\(what): the chunked path wrote other NDJSON than the line-by-line path, from byte \(at): "
               + String(decoding: expected[max(0, at - 80)..<min(expected.count, at + 80)], as: UTF8.self) + " ≠ "
               + String(decoding: got[max(0, at - 80)..<min(got.count, at + 80)], as: UTF8.self))
}

/// The NDJSON lines of `ndjson` whose record has a trace or job id. (A message's quotes are
/// escaped, so `"trace_id":null` can only be the field.)
func linkedRecords(_ ndjson: [UInt8]) -> [UInt8] {
    var kept: [UInt8] = []
    for line in ndjson.split(separator: 0x0A, omittingEmptySubsequences: true) {
        let text = String(decoding: line, as: UTF8.self)
        if text.contains(#""trace_id":null"#) && text.contains(#""job_id":null"#) { continue }
        kept += line
        kept.append(0x0A)
    }
    return kept
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let rules = shippedRules
    precondition(ftruncate(inputFile, 0) == 0 && pwrite(inputFile, data, size, 0) == size, "cannot write \(inputPath)")

    // Every record, then --only-linked with short lines; each line by line and, for inputs
    // large enough to be cut, in chunks — which must write the same.
    for (onlyLinked, maxLineBytes) in [(false, 65536), (true, 4096)] {
        extract(rules, into: lineByLineOutput, onlyLinked: onlyLinked, maxLineBytes: maxLineBytes, chunked: false)
        if size >= 2048 {
            extract(rules, into: chunkedOutput, onlyLinked: onlyLinked, maxLineBytes: maxLineBytes, chunked: true)
            expectSame(onlyLinked ? "--only-linked" : "every record")
        }
    }

    // --only-linked writes exactly the records of the full output that have an id (it skips
    // lines no rule can match, and holds them until it knows they begin no linked record).
    let onlyLinked = contents(lineByLineOutput)
    extract(rules, into: lineByLineOutput, onlyLinked: false, maxLineBytes: 4096, chunked: false)
    let linkedOfAll = linkedRecords(contents(lineByLineOutput))
    if linkedOfAll != onlyLinked {
        fatalError("--only-linked wrote other records than the linked ones of the full output: "
                   + String(decoding: onlyLinked.prefix(400), as: UTF8.self) + " ≠ "
                   + String(decoding: linkedOfAll.prefix(400), as: UTF8.self))
    }

    // The records ingest stores (LogRecord values, not NDJSON).
    let records = ExtractPipeline(
        ruleSet: rules, configuration: ExtractConfiguration(inputs: [inputPath], onlyLinked: true, maxLineBytes: 4096, threads: 1),
        destination: .records { records in keep &+= records.count })
    keep &+= (try? records.run())?.records ?? 0
    return 0
}
