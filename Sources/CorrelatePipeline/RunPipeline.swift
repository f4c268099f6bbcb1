#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CorrelateDecode
public import CorrelateExtract
public import CorrelateModel
public import CorrelateSources
import Foundation
import CorrelateJSON

/// What `correlate run` is asked to do.
public struct RunConfiguration: Sendable {
    /// Log inputs; `-` is standard input. Empty: no logs. A directory stands for its files that
    /// match `globs` (as they are when the run starts); gzip and zstd are decompressed (and
    /// read once: a compressed file is not followed).
    public var logs: [String]
    public var spans: [String]
    public var alerts: [String]
    /// Which files of a directory given are read.
    public var globs: [String]
    /// Follow the files as they grow (and rotate) instead of reading them once.
    public var follow: Bool
    /// When bundles are built; its `tickMilliseconds` is taken from `pollMilliseconds`.
    public var bundles: BundleSettings
    /// How log lines are read; its `inputs` are ignored.
    public var extract: ExtractConfiguration
    /// How often files are looked at, and alerts checked.
    public var pollMilliseconds: Int
    /// Records handed to the writer and not yet written, at most (readers wait beyond).
    public var queueCapacity: Int
    /// What to do with a log source whose clock sits whole quarter hours from its spans.
    public var logClock: LogClockPolicy

    public init(
        logs: [String], spans: [String] = [], alerts: [String] = [], globs: [String] = InputPaths.defaultGlobs, follow: Bool = false,
        bundles: BundleSettings = BundleSettings(), extract: ExtractConfiguration = ExtractConfiguration(inputs: []),
        pollMilliseconds: Int = 200, queueCapacity: Int = 100_000, logClock: LogClockPolicy = .shift
    ) {
        self.logClock = logClock
        self.logs = logs
        self.spans = spans
        self.alerts = alerts
        self.globs = globs
        self.follow = follow
        self.bundles = bundles
        self.bundles.tickMilliseconds = pollMilliseconds
        self.extract = extract
        self.pollMilliseconds = pollMilliseconds
        self.queueCapacity = queueCapacity
    }
}

/// Counts of one run.
public struct RunSummary: Sendable {
    public var ingest = IngestSummary()
    /// Bundles written, and what was not (see ``BundleWorker/Counts``).
    public var bundles = BundleWorker.Counts()

    public var description: String {
        ingest.description + "; bundles written \(bundles.bundles)" + bundles.details
    }
}

/// `correlate run`: logs, spans and alerts into the store as they come, and a bundle for each
/// alert once it has settled (see ``BundleScheduler``), written again when late data changes it.
///
/// Everything read goes to the ``IngestCore`` (the writer thread and its bounded queue, alert
/// intake, the bundle worker — the same core as `correlate serve`'s): standard input and log
/// files read once are read on a thread of their own, which hands each batch of records to the
/// core (and waits while its queue is full, so memory stays flat); this thread reads what the
/// followed files gained every `pollMilliseconds`. Without `follow`, the run ends when every
/// input is read; the bundles not yet written are written then (after a signal, for up to 5 s).
public final class RunPipeline {
    public let configuration: RunConfiguration
    private let ruleSet: RuleSet
    private let core: IngestCore
    public private(set) var summary = RunSummary()

    private var logFollowers: [LogFollower] = []
    private var spanSources: [SpanSource] = []
    private var alertSources: [AlertSource] = []

    /// - Parameters:
    ///   - store: the connection the writer thread writes through.
    ///   - reader: a connection of its own for building bundles (read only).
    ///   - emit: called with each bundle on the bundle worker's thread.
    ///   - warn: called with a line for stderr from the bundle worker's thread.
    public init(ruleSet: RuleSet, alertRules: AlertRules, store: EventStore, reader: EventStore, configuration: RunConfiguration,
                warn: @escaping (String) -> Void = { _ in }, emit: @escaping (IncidentBundle) -> Void) {
        self.ruleSet = ruleSet
        self.configuration = configuration
        bulk = store.bulkBatch
        core = IngestCore(store: store, reader: reader, alertRules: alertRules, bundles: configuration.bundles,
                          capacity: configuration.queueCapacity, logClock: configuration.logClock, emit: emit, warn: warn)
    }

    /// Runs until the inputs end (without `follow`) or `shouldStop` says so (a signal); then
    /// writes what is left.
    /// - Throws: a store error.
    public func run(shouldStop: () -> Bool = { false }) throws -> RunSummary {
        let logs = InputPaths.expand(configuration.logs, globs: configuration.globs)
        let spans = InputPaths.expand(configuration.spans, globs: configuration.globs)
        let alerts = InputPaths.expand(configuration.alerts, globs: configuration.globs)
        summary.ingest.unreadable += logs.problems + spans.problems + alerts.problems
        // Log inputs read by the reading thread: standard input, and files unless followed
        // (a compressed file is read once).
        let followed = configuration.follow ? logs.paths.filter { $0 != "-" && !Self.isCompressed($0) } : []
        let threaded = logs.paths.filter { !followed.contains($0) }
        let reader = threaded.isEmpty ? nil : LogReaderThread(ruleSet: ruleSet, inputs: threaded, extract: configuration.extract, core: core)
        for path in followed { openLogFollower(path) }
        core.start()
        var stopped = false
        defer {
            if !stopped {
                try? core.finish()
                core.bundles.stop(budget: 0)
            }
        }
        for path in spans.paths { try openSpanSource(path) }
        for path in alerts.paths { try openAlertSource(path) }
        reader?.start()

        var readerDone = reader == nil
        while true {
            let stopping = shouldStop()
            if let reader, !readerDone {
                readerDone = try takeFinished(reader, waitMilliseconds: stopping ? 0 : configuration.pollMilliseconds)
            } else if !stopping {
                usleep(UInt32(configuration.pollMilliseconds) * 1000)
            }
            try core.check()
            try pollFiles()
            if stopping || (!configuration.follow && readerDone) { break }
        }
        // What is left: records already handed over, unfinished last lines, every alert's bundle
        // (all of them when the input ended; after a signal, what 5 s allow).
        try finishFiles()
        stopped = true
        do {
            try core.finish()
        } catch {
            core.bundles.stop(budget: 0)
            throw error
        }
        core.bundles.stop(budget: shouldStop() ? 5 : nil)
        summary.bundles = core.bundles.counts
        summary.ingest.logClock = core.logClock
        summary.ingest.retention = core.retention
        let stored = core.counts
        summary.ingest.logsStored = stored.logs
        summary.ingest.spansStored = stored.spans
        summary.ingest.alertsStored = stored.alerts
        for follower in logFollowers {
            summary.ingest.logs.absorb(follower.assembler.summary)
            summary.ingest.logs.bytes += follower.file.byteCount
        }
        return summary
    }

    // MARK: - Logs

    /// Counts what the reading thread read once it has finished; true then.
    private func takeFinished(_ reader: LogReaderThread, waitMilliseconds: Int) throws -> Bool {
        guard let (extract, error) = reader.finished(waitMilliseconds: waitMilliseconds) else { return false }
        summary.ingest.logs.absorb(extract)
        summary.ingest.logs.inputs += extract.inputs
        summary.ingest.logs.bytes += extract.bytes
        summary.ingest.unreadable += extract.unreadable
        if let error { throw error }
        return true
    }

    private func store(logs records: [LogRecord]) throws {
        guard !records.isEmpty else { return }
        try core.enqueue(.logs(records))
    }

    /// Whether the file at `path` is gzip or zstd (by its content).
    static func isCompressed(_ path: String) -> Bool {
        (InputFile.compression(ofFileAt: path) ?? .none) != .none
    }

    private func openLogFollower(_ given: String) {
        let path = IngestPipeline.canonicalPath(given)
        do {
            let file = try FollowedFile(path: path, maxLineBytes: configuration.extract.maxLineBytes)
            let assembler = RecordAssembler(ruleSet: ruleSet, configuration: configuration.extract, sink: LogRecordCollector())
            assembler.begin(file: path, shownAs: given)
            summary.ingest.logs.inputs += 1
            logFollowers.append(LogFollower(file: file, assembler: assembler, name: given))
        } catch let error as InputError {
            summary.ingest.unreadable.append(error)
        } catch {}
    }

    // MARK: - Spans

    /// A span file: one document per line, followed; or one whole document (pretty-printed
    /// JSON, protobuf), read once.
    final class SpanSource {
        let path: String
        let name: String
        var file: FollowedFile?
        var lines = SpanFiles.LineByLine()

        init(path: String, name: String) {
            self.path = path
            self.name = name
        }
    }

    private func openSpanSource(_ given: String) throws {
        summary.ingest.spanInputs += 1
        let path = IngestPipeline.canonicalPath(given)
        let source = SpanSource(path: path, name: given)
        // Read once, to its end, as `ingest` reads it (decompressed; an OTLP protobuf request
        // decoded in parts); not followed.
        let compressed = Self.isCompressed(path)
        if compressed || SpanFiles.looksBinary(path) {
            if configuration.follow {
                let why = compressed ? "compressed: read once, not followed" : Self.wholeDocumentNote
                summary.ingest.notes.append(InputProblem(SourceLocation(file: given, line: 1), why))
            }
            try SpanFiles.readOnce(path: path, name: given, batch: bulk.spans, into: &summary.ingest) { prepared, _ in
                var batch = prepared.flatMap(\.unprepared)
                try store(spans: &batch)
            }
            return
        }
        do {
            source.file = try FollowedFile(path: path, maxLineBytes: 256 << 20)
            spanSources.append(source)
        } catch let error as InputError {
            summary.ingest.unreadable.append(error)
        } catch {}
    }

    static let wholeDocumentNote = "one whole document: read once, not followed (follow needs one document per line)"

    /// Reads a one-document JSON span file as `correlate ingest` does.
    private func readWholeSpanFile(_ source: SpanSource) throws {
        source.file = nil
        if configuration.follow {
            summary.ingest.notes.append(InputProblem(SourceLocation(file: source.name, line: 1), Self.wholeDocumentNote))
        }
        switch SpanFiles.readWhole(path: source.path, name: source.name) {
        case .decoded(let decoded):
            summary.ingest.count(decoded, at: SourceLocation(file: source.name, line: 1))
            var batch = decoded.spans
            try store(spans: &batch)
        case .malformed(let problem):
            summary.ingest.malformed.append(problem)
        case .unreadable(let error):
            summary.ingest.unreadable.append(error)
        }
    }

    private func poll(_ source: SpanSource, finishing: Bool) throws {
        guard let file = source.file else { return }
        var batch: [Span] = []
        var whole = false
        let take: (UnsafeBufferPointer<UInt8>, Int) throws -> Void = { bytes, number in
            guard !whole else { return }
            let location = SourceLocation(file: file.generation == 0 ? source.name : "\(source.name)#\(file.generation)", line: number)
            switch source.lines.take(bytes, at: location, wholeAllowed: file.generation == 0, into: &self.summary.ingest) {
            case .spans(let spans):
                batch += spans
                if batch.count >= self.bulk.spans { try self.store(spans: &batch) }
            case .nothing:
                break
            case .wholeDocument:
                whole = true
            }
        }
        try file.poll(newGeneration: { source.lines.restart() }, take)
        if finishing { try file.finish(take) }
        try store(spans: &batch)
        if whole { try readWholeSpanFile(source) }
    }

    /// Spans and log records stored per transaction when a file has much to read: the store's
    /// ``EventStore/bulkBatch``.
    private let bulk: BulkBatch

    private func store(spans batch: inout [Span]) throws {
        guard !batch.isEmpty else { return }
        try core.enqueue(.spans(core.spanPreparation(batch)))
        batch.removeAll(keepingCapacity: true)
    }

    // MARK: - Alerts

    /// An alert file: read whole at the start (one payload, or one per line), then followed for
    /// payloads appended one per line.
    final class AlertSource {
        let path: String
        let name: String
        var file: FollowedFile?
        /// Lines read before following began.
        var lineBase = 0

        init(path: String, name: String) {
            self.path = path
            self.name = name
        }
    }

    private func openAlertSource(_ given: String) throws {
        summary.ingest.alertInputs += 1
        let path = IngestPipeline.canonicalPath(given)
        let source = AlertSource(path: path, name: given)
        let compressed = Self.isCompressed(path)
        guard let data = InputText.bytes(path: path, name: given, unreadable: &summary.ingest.unreadable) else { return }
        // One document, or the complete lines of an NDJSON file (a line being written is
        // left to the follower).
        var text = String(decoding: data, as: UTF8.self)
        var offset = Int64(data.count)
        if (try? JSONDocument.parse(text)) == nil, let lastNewline = data.lastIndex(of: 0x0A), lastNewline != data.count - 1, configuration.follow {
            offset = Int64(lastNewline + 1)
            text = String(decoding: data[..<(lastNewline + 1)], as: UTF8.self)
        }
        source.lineBase = text.utf8.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        try take(alertText: text, source: source, firstLine: 1)
        if configuration.follow, compressed {
            summary.ingest.notes.append(InputProblem(SourceLocation(file: given, line: 1), "compressed: read once, not followed"))
        } else if configuration.follow {
            do {
                source.file = try FollowedFile(path: path, offset: offset)
            } catch let error as InputError {
                summary.ingest.unreadable.append(error)
            }
        }
        alertSources.append(source)
    }

    private func take(alertText text: String, source: AlertSource, firstLine: Int) throws {
        let decoded = AlertFiles.decode(text, name: source.name, firstLine: firstLine)
        summary.ingest.malformed += decoded.problems
        guard !decoded.alerts.isEmpty else { return }
        summary.ingest.alertsRead += decoded.alerts.count
        try core.enqueue(.alerts(AlertPayload(alerts: decoded.alerts, raw: text, source: SourceLocation(file: source.path, line: firstLine))))
    }

    private func poll(_ source: AlertSource) throws {
        guard let file = source.file else { return }
        var lines: [(String, Int)] = []
        try file.poll(newGeneration: { source.lineBase = 0 }) { bytes, number in
            lines.append((String(decoding: bytes, as: UTF8.self), source.lineBase + number))
        }
        for (line, number) in lines where !line.allSatisfy(\.isWhitespace) {
            try take(alertText: line, source: source, firstLine: number)
        }
    }

    // MARK: - Files and bundles

    private func pollFiles() throws {
        for follower in logFollowers { try poll(follower, finishing: false) }
        for source in spanSources { try poll(source, finishing: false) }
        if configuration.follow {
            for source in alertSources { try poll(source) }
        }
    }

    private func finishFiles() throws {
        for follower in logFollowers { try poll(follower, finishing: !configuration.follow) }
        for source in spanSources { try poll(source, finishing: !configuration.follow) }
    }

    private func poll(_ follower: LogFollower, finishing: Bool) throws {
        let file = follower.file
        let assembler = follower.assembler
        let collector = assembler.sink as! LogRecordCollector
        let readAny = try file.poll(newGeneration: {
            assembler.endInput()
            assembler.begin(file: "\(file.path)#\(file.generation)", shownAs: "\(follower.name)#\(file.generation)")
        }) { bytes, number in
            assembler.process(bytes, number: number, truncated: file.lastLineTruncated)
            if collector.records.count >= bulk.logRecords { try collector.drain { try store(logs: $0) } }
        }
        if finishing { file.finish { assembler.process($0, number: $1, truncated: file.lastLineTruncated) } }
        // Nothing more for now: the open record is complete as far as anyone can tell.
        if finishing {
            assembler.endInput()
        } else if !readAny {
            assembler.idle()
        }
        try collector.drain { try store(logs: $0) }
    }
}

/// A log file followed as it grows, through its own record assembler.
final class LogFollower {
    let file: FollowedFile
    let assembler: RecordAssembler
    /// The file as given (how problems name it).
    let name: String

    init(file: FollowedFile, assembler: RecordAssembler, name: String) {
        self.file = file
        self.assembler = assembler
        self.name = name
    }
}

/// Reads log inputs on a thread of its own and hands the records to the ingest core in
/// batches; says once, through ``finished(waitMilliseconds:)``, what it read (and the error
/// that ended it).
final class LogReaderThread: @unchecked Sendable {
    // Unchecked: the pipeline is used by the reading thread only; `outcome` is written before
    // `done` is signalled and read after it was waited for.
    private let pipeline: ExtractPipeline?
    /// Files of OTLP logs requests, read record by record (``LogRequestFiles``) first.
    private let requestFiles: [String]
    private let intake: RequestIntake
    private let core: IngestCore
    private let done = DispatchSemaphore(value: 0)
    private var outcome: (ExtractSummary, (any Error)?)?

    /// What the thread read, once it has finished (waiting up to `waitMilliseconds`); nil
    /// while it reads. Answers once.
    func finished(waitMilliseconds: Int) -> (ExtractSummary, (any Error)?)? {
        guard done.wait(timeout: .now() + .milliseconds(max(waitMilliseconds, 0))) == .success else { return nil }
        return outcome
    }

    init(ruleSet: RuleSet, inputs: [String], extract: ExtractConfiguration, core: IngestCore) {
        let (requestFiles, others) = LogRequestFiles.partition(inputs, format: extract.inputFormat)
        self.requestFiles = requestFiles
        self.intake = RequestIntake(ruleSet: ruleSet)
        self.core = core
        var configuration = extract
        configuration.inputs = others
        configuration.canonicalSourceNames = true
        configuration.nameStdinByFirstLine = true
        pipeline = others.isEmpty ? nil : ExtractPipeline(ruleSet: ruleSet, configuration: configuration, destination: .records { batch in
            try core.enqueue(.logs(batch))
        })
    }

    func start() {
        let thread = Thread { [self] in
            var requests = ExtractSummary()
            do {
                try LogRequestFiles.read(paths: requestFiles, intake: intake, into: &requests) { batch, _ in try core.enqueue(.logs(batch)) }
                var read = try pipeline?.run() ?? ExtractSummary()
                read.add(requests)
                outcome = (read, nil)
            } catch {
                var read = pipeline?.summary ?? ExtractSummary()
                read.add(requests)
                outcome = (read, error)
            }
            done.signal()
        }
        thread.name = "correlate.logs"
        thread.start()
    }
}
