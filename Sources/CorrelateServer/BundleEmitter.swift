#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CorrelateModel
import CorrelatePipeline
import CorrelateRender
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Where `serve` (and later others) write bundles: `--emit stdout`, `--emit dir:PATH`,
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
        } else if text.hasPrefix("http://") || text.hasPrefix("https://"), let url = URL(string: text), url.host != nil {
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

    public init(targets: [EmitTarget], retryDelays: [Double] = [1, 2, 4, 8, 16]) throws {
        self.targets = targets
        self.retryDelays = retryDelays
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
                OutputStream.standardOutput.write(Array((json + "\n").utf8))
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

    /// `JobLatencyHigh-11d7c3d7e168b8e8-20261125T083229Z-r0.json`: the alert, its start, the
    /// revision; safe characters only.
    static func fileName(_ bundle: IncidentBundle) -> String {
        let name = String(bundle.alert.name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }.prefix(80))
        let start = bundle.alert.startsAt.description.filter { $0.isNumber || $0 == "T" }.prefix(15)
        let fingerprint = bundle.alert.fingerprint.filter(\.isHexDigit)
        return "\(name.isEmpty ? "alert" : name)-\(fingerprint)-\(start)Z-r\(bundle.revision).json"
    }

    private func write(_ json: String, to folder: String, name: String) {
        let path = (folder as NSString).appendingPathComponent(name)
        let temporary = (folder as NSString).appendingPathComponent(".\(name).tmp-\(getpid())")
        do {
            try Data((json + "\n").utf8).write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, path) == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        } catch {
            unlink(temporary)
            FileHandle.standardError.write(Data("correlate serve: error: cannot write \(path): \(error)\n".utf8))
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
        var request = URLRequest(url: url, timeoutInterval: 10)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = body
        for attempt in 0...retryDelays.count {
            let done = DispatchSemaphore(value: 0)
            let outcome = Outcome()
            URLSession.shared.dataTask(with: request) { _, response, error in
                outcome.status = (response as? HTTPURLResponse)?.statusCode
                outcome.error = error
                done.signal()
            }.resume()
            done.wait()
            if let status = outcome.status, (200..<300).contains(status) { return }
            let reason = outcome.status.map { "HTTP \($0)" } ?? outcome.error.map { "\($0.localizedDescription)" } ?? "no answer"
            guard attempt < retryDelays.count else {
                FileHandle.standardError.write(Data("correlate serve: error: giving up posting a bundle to \(url): \(reason)\n".utf8))
                return
            }
            Thread.sleep(forTimeInterval: retryDelays[attempt])
        }
    }

    private final class Outcome: @unchecked Sendable {
        var status: Int?
        var error: (any Error)?
    }
}
