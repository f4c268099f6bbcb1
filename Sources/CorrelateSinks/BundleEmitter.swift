#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import CorrelateModel
import CorrelateRender
public import Foundation

/// Where `serve` writes bundles: `--emit stdout`, `--emit dir:PATH`,
/// `--emit http(s)://…`.
public enum EmitTarget: Sendable, Equatable {
    case standardOutput
    /// One file per bundle revision, written whole and renamed into place.
    case directory(String)
    /// POSTed as JSON, retried with backoff.
    case webhook(URL)

    /// Parses `stdout`, `dir:PATH` or an http(s) URL; nil for anything else.
    public init?(_ text: String) {
        if text == "stdout" || text == "-" {
            self = .standardOutput
        } else if text.hasPrefix("dir:"), text.count > 4 {
            self = .directory(String(text.dropFirst(4)))
        } else if text.hasPrefix("http://") || text.hasPrefix("https://"), let url = URL(string: text), url.host != nil,
                  URLPort.written(in: text).map({ URLPort.number($0) != nil }) ?? true {
            self = .webhook(url)
        } else {
            return nil
        }
    }
}

/// Writes each bundle to every target. Webhooks are posted by a thread of their own, so a slow
/// receiver never holds up the store: up to `webhookQueue` bundles wait (the oldest is dropped,
/// and said, beyond that), each tried up to 6 times, 1, 2, 4, 8 and 16 s apart.
public final class BundleEmitter: @unchecked Sendable {
    // Unchecked: `pending` is used under `condition`'s lock; the rest is immutable.
    private let targets: [EmitTarget]
    private let condition = NSCondition()
    private var pending: [(URL, Data)] = []
    private let webhookQueue = 1000
    private let retryDelays: [Double]

    private let webhookClient: WebhookClient

    /// - Parameter webhookClient: how webhooks are reached (the proxy of the environment).
    public init(targets: [EmitTarget], retryDelays: [Double] = [1, 2, 4, 8, 16], webhookClient: WebhookClient = WebhookClient()) throws {
        self.targets = targets
        self.retryDelays = retryDelays
        self.webhookClient = webhookClient
        for case .directory(let path) in targets {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        if targets.contains(where: { if case .webhook = $0 { true } else { false } }) {
            let thread = Thread { [self] in postLoop() }
            thread.name = "correlate.webhooks"
            thread.start()
        }
    }

    public func emit(_ bundle: IncidentBundle) {
        let json = BundleJSON.string(bundle)
        for target in targets {
            switch target {
            case .standardOutput:
                ByteOutput.standardOutput.write(Array((json + "\n").utf8))
            case .directory(let path):
                write(json, to: path, name: Self.fileName(bundle))
            case .webhook(let url):
                condition.lock()
                if pending.count >= webhookQueue {
                    pending.removeFirst()
                    FileHandle.standardError.write(Data("correlate serve: warning: webhook queue full, the oldest bundle was dropped\n".utf8))
                }
                pending.append((url, Data(json.utf8)))
                condition.broadcast()
                condition.unlock()
            }
        }
    }

    /// `JobLatencyHigh-11d7c3d7e168b8e8-20261125T083229Z-r0.json`: the alert, its fingerprint,
    /// its start, the revision. The name keeps letters (any script), digits, `-` and `_`, the
    /// rest become `_`; it is cut to at most ``nameBytes`` UTF-8 bytes at a character boundary
    /// (a scalar boundary when one character alone is longer: a letter with thousands of
    /// combining marks), and a cut name gets a hash of the whole one, so the file name stays
    /// within the 255 bytes file systems allow and stays unique.
    static func fileName(_ bundle: IncidentBundle) -> String {
        var safe = ""
        for scalar in bundle.alert.name.unicodeScalars {
            let keep = scalar.properties.isAlphabetic || scalar.properties.numericType == .decimal
                || scalar == "-" || scalar == "_"
            safe.unicodeScalars.append(keep ? scalar : "_")
        }
        var name = cut(safe, toBytes: nameBytes)
        if name.utf8.count < safe.utf8.count {
            var hash = FNV1a()
            hash.add(bundle.alert.name.utf8)
            name += "~" + hash.hex
        }
        let start = bundle.alert.startsAt.description.filter { $0.isNumber || $0 == "T" }.prefix(15)
        let fingerprint = bundle.alert.fingerprint.filter(\.isHexDigit).prefix(32)
        return "\(name.isEmpty ? "alert" : name)-\(fingerprint)-\(start)Z-r\(bundle.revision).json"
    }

    /// Bytes of the alert's name kept in a file name.
    static let nameBytes = 120

    /// The longest prefix of `text` of at most `limit` UTF-8 bytes ending at a character
    /// boundary, or at a scalar boundary when the first character is longer than that.
    static func cut(_ text: String, toBytes limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var out = ""
        var bytes = 0
        for character in text {
            let size = character.utf8.count
            guard bytes + size <= limit else { break }
            out.append(character)
            bytes += size
        }
        if out.isEmpty {
            for scalar in text.unicodeScalars {
                let size = UTF8.width(scalar)
                guard bytes + size <= limit else { break }
                out.unicodeScalars.append(scalar)
                bytes += size
            }
        }
        return out
    }

    private func write(_ json: String, to folder: String, name: String) {
        let path = (folder as NSString).appendingPathComponent(name)
        do {
            try AtomicFile.write(Array((json + "\n").utf8), to: path)
        } catch {
            FileHandle.standardError.write(Data("correlate serve: error: cannot write \(path.escapingControlCharacters): \(error)\n".utf8))
        }
    }

    private func postLoop() {
        while true {
            condition.lock()
            while pending.isEmpty { condition.wait() }
            let (url, body) = pending.removeFirst()
            condition.unlock()
            post(body, to: url)
        }
    }

    private func post(_ body: Data, to url: URL) {
        for attempt in 0...retryDelays.count {
            let reason: String
            do {
                let status = try webhookClient.post(body, to: url)
                if (200..<300).contains(status) { return }
                reason = "HTTP \(status)"
            } catch {
                reason = NetworkErrorText.describe(error)
            }
            guard attempt < retryDelays.count else {
                FileHandle.standardError.write(Data("correlate serve: error: giving up posting a bundle to \(url): \(reason)\n".utf8))
                return
            }
            Thread.sleep(forTimeInterval: retryDelays[attempt])
        }
    }
}
