// Log lines through the path of `correlate extract` with the shipped rules: ExtractPipeline
// (LineReader → LogDecoder → ContinuationRule / RecordAssembler → Extractor → record writer).
// The pipeline reads only files, so the input is written to a file on tmpfs and the pipeline
// reads it, three ways:
//   1. line by line, NDJSON out (to /dev/null) — `correlate extract FILE --threads 1`;
//   2. line by line, `--only-linked --max-line-bytes 4096` (longer lines are cut), records
//      collected as LogRecords — the sink of `correlate ingest`;
//   3. inputs of 2 KiB or more: cut into 1 KiB chunks assembled on two threads (ChunkReader),
//      the path `correlate extract` takes for a large regular file
//      (`--threads 2 --chunk-bytes 1024 --max-line-bytes 65536`).
// Each run builds its pipeline afresh, as the tool does: one input never sees another's state.
// That is what makes this target slow (~60 inputs/s: the pipeline's buffers are megabytes,
// which AddressSanitizer maps and unmaps every time).
#if canImport(Glibc)
import Glibc
#endif
import CorrelateExtract
import CorrelatePipeline

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
let devNull = OutputStream(descriptor: open("/dev/null", O_WRONLY | O_CLOEXEC))

nonisolated(unsafe) var keep = 0

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let rules = shippedRules
    precondition(ftruncate(inputFile, 0) == 0 && pwrite(inputFile, data, size, 0) == size, "cannot write \(inputPath)")

    let lineByLine = ExtractPipeline(
        ruleSet: rules, configuration: ExtractConfiguration(inputs: [inputPath], threads: 1), output: devNull)
    keep &+= (try? lineByLine.run())?.records ?? 0

    let onlyLinked = ExtractPipeline(
        ruleSet: rules, configuration: ExtractConfiguration(inputs: [inputPath], onlyLinked: true, maxLineBytes: 4096, threads: 1),
        destination: .records { records in keep &+= records.count })
    keep &+= (try? onlyLinked.run())?.records ?? 0

    if size >= 2048 {
        let chunked = ExtractPipeline(
            ruleSet: rules,
            configuration: ExtractConfiguration(inputs: [inputPath], maxLineBytes: 65536, threads: 2, chunkBytes: 1024), output: devNull)
        keep &+= (try? chunked.run())?.records ?? 0
    }
    return 0
}
