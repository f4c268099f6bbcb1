#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CorrelateDecode
import CorrelateExtract
import CorrelateModel
import CorrelateSources
import Foundation

/// What `correlate run` is asked to do.
public struct RunConfiguration: Sendable {
    /// Log inputs; `-` is standard input. Empty: no logs.
    public var logs: [String]
    public var spans: [String]
    public var alerts: [String]
    /// Follow the files as they grow (and rotate) instead of reading them once.
    public var follow: Bool
    /// How long after an alert's window closed its bundle is built.
    public var settleNanoseconds: Int64
    /// How long a resolved alert is watched for late data after its first bundle.
    public var watchNanoseconds: Int64
    public var limit: Int
    public var lookbackNanoseconds: Int64?
    /// How log lines are read; its `inputs` are ignored.
    public var extract: ExtractConfiguration
    /// How often files are looked at, and alerts checked.
    public var pollMilliseconds: Int
    /// Alerts watched for their bundle at most (see ``BundleScheduler``).
    public var maxWatched: Int

    public init(
        logs: [String], spans: [String] = [], alerts: [String] = [], follow: Bool = false,
        settleNanoseconds: Int64 = 10_000_000_000, watchNanoseconds: Int64 = 300_000_000_000,
        limit: Int = 10, lookbackNanoseconds: Int64? = nil,
        extract: ExtractConfiguration = ExtractConfiguration(inputs: []), pollMilliseconds: Int = 200,
        maxWatched: Int = 10_000
    ) {
        self.logs = logs
        self.spans = spans
        self.alerts = alerts
        self.follow = follow
        self.settleNanoseconds = settleNanoseconds
        self.watchNanoseconds = watchNanoseconds
        self.limit = limit
        self.lookbackNanoseconds = lookbackNanoseconds
        self.extract = extract
        self.pollMilliseconds = pollMilliseconds
        self.maxWatched = maxWatched
    }
}

/// Counts of one run.
public struct RunSummary: Sendable {
    public var ingest = IngestSummary()
    public var bundles = 0
    public var revisions = 0
    /// Alerts not watched because `maxWatched` were (see ``BundleWorker/Counts``).
    public var overflow = 0
    /// Alerts whose first bundle was not built before a stop.
    public var unbuilt = 0

    public var description: String {
        ingest.description + "; bundles written \(bundles)" + (revisions > 0 ? " (\(revisions) of them revisions)" : "")
            + (overflow > 0 ? ", \(overflow) alerts beyond --max-watched not watched" : "")
            + (unbuilt > 0 ? ", \(unbuilt) first bundles not built before stopping" : "")
    }
}

/// `correlate run`: logs, spans and alerts into the store as they come, and a bundle for each
/// alert once it has settled (see ``BundleScheduler``), written again when late data changes it.
///
/// One thread owns the store: it inserts the log records that the reading thread (standard
/// input, or log files read once) hands over through a bounded queue — a reader faster than the
/// store waits, so memory stays flat — and reads what the followed files gained, every
/// `pollMilliseconds`. Bundles are built by a ``BundleWorker`` on a thread and store connection
/// of its own, so writing never waits for them. Without `follow`, the run ends when every input
/// is read; the bundles not yet written are written then (after a signal, for up to 5 s).
public final class RunPipeline {
    public let configuration: RunConfiguration
    private let ruleSet: RuleSet
    private let store: EventStore
    private let bundles: BundleWorker
    public private(set) var summary = RunSummary()

    private var logFollowers: [LogFollower] = []
    private var spanSources: [SpanSource] = []
    private var alertSources: [AlertSource] = []

    /// - Parameters:
    ///   - store: the connection this pipeline writes through.
    ///   - reader: a connection of its own for building bundles (read only).
    ///   - emit: called with each bundle on the bundle worker's thread.
    ///   - warn: called with a line for stderr from the bundle worker's thread.
    public init(ruleSet: RuleSet, alertRules: AlertRules, store: EventStore, reader: EventStore, configuration: RunConfiguration,
                warn: @escaping (String) -> Void = { _ in }, emit: @escaping (IncidentBundle) -> Void) {
        self.ruleSet = ruleSet
        self.store = store
        self.configuration = configuration
        bundles = BundleWorker(
            store: reader, rules: alertRules, limit: configuration.limit, lookback: configuration.lookbackNanoseconds,
            settleNanoseconds: configuration.settleNanoseconds, watchNanoseconds: configuration.watchNanoseconds,
            maxWatched: configuration.maxWatched, tickMilliseconds: configuration.pollMilliseconds, emit: emit, warn: warn)
    }

    /// Runs until the inputs end (without `follow`) or `shouldStop` says so (a signal); then
    /// writes what is left.
    /// - Throws: a store error.
    public func run(shouldStop: () -> Bool = { false }) throws -> RunSummary {
        // Log inputs read by the reading thread: standard input, and files unless followed.
        let threaded = configuration.logs.filter { $0 == "-" || !configuration.follow }
        let reader = threaded.isEmpty ? nil : LogReaderThread(ruleSet: ruleSet, inputs: threaded, extract: configuration.extract)
        if configuration.follow {
            for path in configuration.logs where path != "-" { openLogFollower(path) }
        }
        for path in configuration.spans { openSpanSource(path) }
        for path in configuration.alerts { try openAlertSource(path) }
        reader?.start()
        bundles.start()
        var stopped = false
        defer { if !stopped { bundles.stop(budget: 0) } }

        var readerDone = reader == nil
        while true {
            let stopping = shouldStop()
            if let reader, !readerDone {
                readerDone = try takeLogs(from: reader, waitMilliseconds: stopping ? 0 : configuration.pollMilliseconds)
            } else if !stopping {
                usleep(UInt32(configuration.pollMilliseconds) * 1000)
            }
            try pollFiles()
            if stopping || (!configuration.follow && readerDone) { break }
        }
        // What is left: records already handed over, unfinished last lines, every alert's bundle
        // (all of them when the input ended; after a signal, what 5 s allow).
        if let reader, !readerDone { _ = try takeLogs(from: reader, waitMilliseconds: 0) }
        try finishFiles()
        stopped = true
        bundles.stop(budget: shouldStop() ? 5 : nil)
        let counts = bundles.counts
        summary.bundles = counts.bundles
        summary.revisions = counts.revisions
        summary.overflow = counts.overflow
        summary.unbuilt = counts.unbuilt
        for follower in logFollowers {
            summary.ingest.logs.absorb(follower.assembler.summary)
            summary.ingest.logs.bytes += follower.file.byteCount
        }
        return summary
    }

    // MARK: - Logs

    /// Stores what the reading thread handed over; true once it has finished.
    private func takeLogs(from reader: LogReaderThread, waitMilliseconds: Int) throws -> Bool {
        var wait = waitMilliseconds
        while let item = reader.queue.take(timeoutMilliseconds: wait) {
            wait = 0
            switch item {
            case .records(let records):
                try store(logs: records)
            case .finished(let extract, let error):
                summary.ingest.logs.absorb(extract)
                summary.ingest.logs.inputs += extract.inputs
                summary.ingest.logs.bytes += extract.bytes
                summary.ingest.unreadable += extract.unreadable
                if let error { throw error }
                return true
            }
        }
        return false
    }

    private func store(logs records: [LogRecord]) throws {
        let result = try store.insert(logs: records)
        summary.ingest.logsStored += result
        if result.stored > 0 { bundles.dataChanged() }
    }

    private func openLogFollower(_ given: String) {
        let path = IngestPipeline.canonicalPath(given)
        do {
            let file = try FollowedFile(path: path, maxLineBytes: configuration.extract.maxLineBytes)
            let assembler = RecordAssembler(ruleSet: ruleSet, configuration: configuration.extract, sink: LogRecordCollector())
            assembler.begin(file: path)
            summary.ingest.logs.inputs += 1
            logFollowers.append(LogFollower(file: file, assembler: assembler))
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
        var documents = 0
        var failures = 0

        init(path: String, name: String) {
            self.path = path
            self.name = name
        }
    }

    private func openSpanSource(_ given: String) {
        let path = IngestPipeline.canonicalPath(given)
        let source = SpanSource(path: path, name: given)
        if IngestPipeline.looksBinary(path) {
            readWholeSpanFile(source)
            return
        }
        do {
            source.file = try FollowedFile(path: path, maxLineBytes: 256 << 20)
            spanSources.append(source)
        } catch let error as InputError {
            summary.ingest.unreadable.append(error)
        } catch {}
    }

    /// Reads a one-document span file as `correlate ingest` does.
    private func readWholeSpanFile(_ source: SpanSource) {
        source.file = nil
        if configuration.follow {
            summary.ingest.malformed.append((SourceLocation(file: source.name, line: 1), "one whole document, read once and not followed (follow needs one document per line)"))
        }
        let ingest = IngestPipeline(ruleSet: ruleSet, store: store, configuration: IngestConfiguration(spans: [source.path]))
        do {
            let part = try ingest.run()
            summary.ingest.spanDocuments += part.spanDocuments
            summary.ingest.spansRead += part.spansRead
            summary.ingest.spansRejected += part.spansRejected
            summary.ingest.spansStored += part.spansStored
            summary.ingest.spanFormats.formUnion(part.spanFormats)
            summary.ingest.malformed += part.malformed
            summary.ingest.unreadable += part.unreadable
            if part.spansStored.stored > 0 { bundles.dataChanged() }
        } catch {
            summary.ingest.malformed.append((SourceLocation(file: source.name, line: 1), "\(error)"))
        }
    }

    private func poll(_ source: SpanSource, finishing: Bool) throws {
        guard let file = source.file else { return }
        var batch: [Span] = []
        var whole = false
        let take: (UnsafeBufferPointer<UInt8>, Int) throws -> Void = { bytes, number in
            guard !whole else { return }
            let location = SourceLocation(file: file.generation == 0 ? source.name : "\(source.name)#\(file.generation)", line: number)
            switch IngestPipeline.decodeSpanLine(bytes) {
            case nil:
                break
            case .decoded(let decoded):
                source.documents += 1
                self.summary.ingest.spanDocuments += 1
                self.summary.ingest.spansRead += decoded.spans.count + decoded.rejected
                self.summary.ingest.spansRejected += decoded.rejected
                self.summary.ingest.spanFormats.insert(decoded.format.rawValue)
                batch += decoded.spans
                if batch.count >= Self.spanBatch { try self.store(spans: &batch) }
            case .unfinishedDocument where source.documents == 0 && source.failures == 0 && file.generation == 0:
                whole = true
            case .unfinishedDocument:
                source.failures += 1
                self.summary.ingest.malformed.append((location, "not JSON: a document that does not end on its line"))
            case .malformed(let reason):
                source.failures += 1
                self.summary.ingest.malformed.append((location, reason))
            }
        }
        try file.poll(newGeneration: { source.documents = 0; source.failures = 0 }, take)
        if finishing { try file.finish(take) }
        try store(spans: &batch)
        if whole { readWholeSpanFile(source) }
    }

    /// Spans and log records stored per transaction when a followed file has much to read.
    static let spanBatch = 10_000
    static let logBatch = 20_000

    private func store(spans batch: inout [Span]) throws {
        guard !batch.isEmpty else { return }
        let result = try store.insert(spans: batch)
        summary.ingest.spansStored += result
        if result.stored > 0 { bundles.dataChanged() }
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
        let path = IngestPipeline.canonicalPath(given)
        let source = AlertSource(path: path, name: given)
        guard let data = FileManager.default.contents(atPath: path) else {
            summary.ingest.unreadable.append(InputError(path: given, errno: errno == 0 ? ENOENT : errno, operation: "open"))
            return
        }
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
        if configuration.follow {
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
        for problem in decoded.problems {
            let parts = problem.split(separator: ":", maxSplits: 2).map(String.init)
            let line = parts.count == 3 ? Int(parts[1]) ?? firstLine : firstLine
            summary.ingest.malformed.append((SourceLocation(file: source.name, line: line), parts.count == 3 ? parts[2].trimmingCharacters(in: .whitespaces) : problem))
        }
        guard !decoded.alerts.isEmpty else { return }
        summary.ingest.alertsRead += decoded.alerts.count
        summary.ingest.alertsStored += try store.insert(alerts: decoded.alerts)
        _ = try store.insert(rawAlert: text, source: SourceLocation(file: source.path, line: firstLine))
        bundles.observe(decoded.alerts)
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
            assembler.begin(file: "\(file.path)#\(file.generation)")
        }) { bytes, number in
            assembler.process(bytes, number: number, truncated: file.lastLineTruncated)
            if collector.records.count >= Self.logBatch { try collector.drain { try store(logs: $0) } }
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

    init(file: FollowedFile, assembler: RecordAssembler) {
        self.file = file
        self.assembler = assembler
    }
}

/// Reads log inputs on a thread of its own and hands the records over in batches through a
/// bounded queue.
final class LogReaderThread: @unchecked Sendable {
    // Unchecked: the pipeline is used by the reading thread only; the queue is locked.
    enum Item {
        case records([LogRecord])
        case finished(ExtractSummary, Error?)
    }

    let queue = BoundedQueue<Item>(capacity: 8)
    private let pipeline: ExtractPipeline

    init(ruleSet: RuleSet, inputs: [String], extract: ExtractConfiguration) {
        var configuration = extract
        configuration.inputs = inputs.map(IngestPipeline.canonicalPath)
        configuration.nameStdinByFirstLine = true
        let queue = self.queue
        pipeline = ExtractPipeline(ruleSet: ruleSet, configuration: configuration, destination: .records { batch in
            queue.put(.records(batch))
        })
    }

    func start() {
        let thread = Thread { [self] in
            do {
                let summary = try pipeline.run()
                queue.put(.finished(summary, nil))
            } catch {
                queue.put(.finished(pipeline.summary, error))
            }
        }
        thread.name = "correlate.logs"
        thread.start()
    }
}

/// A first-in first-out queue of at most `capacity` items: `put` waits while it is full.
final class BoundedQueue<Element>: @unchecked Sendable {
    // Unchecked: every access holds `condition`'s lock.
    private let condition = NSCondition()
    private var items: [Element?] = []
    private var head = 0
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    func put(_ item: Element) {
        condition.lock()
        while items.count - head >= capacity { condition.wait() }
        items.append(item)
        condition.broadcast()
        condition.unlock()
    }

    /// The oldest item, waiting up to `timeoutMilliseconds` for one; nil when none came.
    func take(timeoutMilliseconds: Int) -> Element? {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: Double(timeoutMilliseconds) / 1000)
        while items.count == head {
            if timeoutMilliseconds <= 0 || !condition.wait(until: deadline) { return nil }
        }
        let item = items[head]
        items[head] = nil
        head += 1
        if head > 64, head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        condition.broadcast()
        return item!
    }
}
