#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import CorrelateDecode
import CorrelateModel
public import CorrelateMatcher
public import CorrelateSources

/// What `correlate extract` is asked to do, in domain terms (the CLI builds it from flags).
public struct ExtractConfiguration: Sendable {
    /// Paths to read in order; `-` is standard input. A directory stands for its files that
    /// match `globs` (``InputPaths``); gzip and zstd are decompressed, whatever the name.
    public var inputs: [String]
    /// Which files of a directory in `inputs` are read.
    public var globs: [String] = InputPaths.defaultGlobs
    /// Records carry the absolute path of their file (`ingest`, `run`: the store keys records
    /// by file and line, so that a file ingested again from elsewhere adds nothing); diagnostics
    /// still name the file as it was given.
    public var canonicalSourceNames = false
    public var inputFormat: LogFormat
    /// Write only records with a trace id or a job id.
    public var onlyLinked: Bool
    /// Longer lines are cut to this many bytes (and counted).
    public var maxLineBytes: Int
    /// On a pipe, how long input may pause before held-back records are written.
    public var idleFlushMilliseconds: Int32
    /// A record takes at most this many continuation lines; further ones become records of
    /// their own that carry the same ids.
    public var maxContinuationLines: Int
    public var limits: MatchLimits
    /// Threads that assemble chunks of a large regular file; 1 reads line by line.
    public var threads: Int
    /// Size of the chunks a large file is cut into for the threads.
    public var chunkBytes: Int
    /// A chunk is cut only before a line that starts a record; when none comes for this long,
    /// it is cut anyway and the next chunk is assembled after it, by the same thread, as the
    /// line-by-line path would.
    public var maxRecordBytes = 16 << 20
    /// Name standard input after its first line (`<stdin 1f3a…>`) instead of `<stdin>`. The
    /// store keys log records by (file, line): this way the same stream read again is
    /// recognised (nothing stored twice), while another stream, which starts otherwise, is not
    /// mistaken for it (nothing dropped as a duplicate).
    public var nameStdinByFirstLine = false
    /// Records handed on as ``LogRecord``s carry, as their message, the text of their lines as
    /// the application wrote them (unwrapped, all of each line): what `rules coverage` searches.
    public var recordRawText = false

    public init(
        inputs: [String], inputFormat: LogFormat = .auto, onlyLinked: Bool = false,
        maxLineBytes: Int = 1 << 20, idleFlushMilliseconds: Int32 = 100,
        maxContinuationLines: Int = 1000, limits: MatchLimits = .default,
        threads: Int = ExtractConfiguration.defaultThreads, chunkBytes: Int = 4 << 20
    ) {
        self.inputs = inputs.isEmpty ? ["-"] : inputs
        self.inputFormat = inputFormat
        self.onlyLinked = onlyLinked
        self.maxLineBytes = maxLineBytes
        self.idleFlushMilliseconds = idleFlushMilliseconds
        self.maxContinuationLines = maxContinuationLines
        self.limits = limits
        self.threads = max(1, threads)
        self.chunkBytes = chunkBytes
    }

    /// The name of a standard input that starts with `line`: 64-bit FNV-1a of its bytes.
    public static func stdinName(firstLine line: UnsafeBufferPointer<UInt8>) -> String {
        var hash = FNV1a()
        hash.add(line)
        return "<stdin " + hash.hex + ">"
    }

    /// One thread per core, at most eight.
    /// The most threads `--threads` takes: each holds chunks of the file in memory, and past a
    /// few per core they only add memory and switching.
    public static let maximumThreads = 256

    /// What `--max-line-bytes` may be: a line's buffer grows to it, so it is held to 1 GiB.
    public static let maxLineBytesRange = 64...(1 << 30)
    /// What `--chunk-bytes` may be (each thread reads chunks of it).
    public static let chunkBytesRange = 1024...(1 << 30)

    /// Why a `--max-line-bytes` value cannot be taken (nil when it can).
    public static func maxLineBytesProblem(_ value: Int) -> String? {
        maxLineBytesRange.contains(value) ? nil
            : "--max-line-bytes must be from \(maxLineBytesRange.lowerBound) to \(maxLineBytesRange.upperBound) (1 GiB)."
    }

    public static var defaultThreads: Int {
        min(8, max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
    }
}
