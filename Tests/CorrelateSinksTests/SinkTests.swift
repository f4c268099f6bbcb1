import Foundation
import Testing
import CorrelateModel
import CorrelateRender
@testable import CorrelateSinks
import CorrelateTestSupport
import CorrelateJSON
import AsyncHTTPClient

private func bundle(_ name: String, revision: Int = 0, fingerprint: String = "11d7c3d7e168b8e8") -> IncidentBundle {
    let start = Timestamp(nanoseconds: 1_764_059_549_000_000_000)
    let alert = Alert(name: name, fingerprint: fingerprint, status: .firing, labels: [("alertname", name)],
                      startsAt: start, source: "alertmanager")
    var bundle = IncidentBundle(alert: alert, windowStart: start, windowEnd: start, traces: [], candidates: 0,
                                unlinkedLogs: [], diagnostics: [], measure: .endToEnd)
    bundle.revision = revision
    return bundle
}

@Suite struct SinkTests {
    @Test func aBundleFileIsNamedAfterItsAlertStartAndRevision() {
        #expect(BundleEmitter.fileName(bundle("JobLatencyHigh", revision: 2)) == "JobLatencyHigh-11d7c3d7e168b8e8-20251125T083229Z-r2.json")
        #expect(BundleEmitter.fileName(bundle("a/../b c")).hasPrefix("a____b_c-"))
    }

    /// A name too long for a file name is cut and given a hash of the whole, so two long names
    /// that share their first 120 bytes still get two files.
    @Test func aLongNameIsCutAndKeptUnique() {
        let long = String(repeating: "é", count: 200)
        let one = BundleEmitter.fileName(bundle(long + "x"))
        let other = BundleEmitter.fileName(bundle(long + "y"))
        #expect(one != other)
        #expect(one.utf8.count <= 255 && other.utf8.count <= 255)
    }

    @Test func anAtomicWriteReplacesTheFileWhole() throws {
        let folder = try Fixtures.temporaryDirectory("sinks")
        let path = folder.appendingPathComponent("out.json").path
        try AtomicFile.write(Array("first\n".utf8), to: path)
        try AtomicFile.write(Array("second\n".utf8), to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "second\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["out.json"])
        let missing = try #require(throws: OutputFileError.self) { try AtomicFile.write([1], to: folder.appendingPathComponent("no/such/x").path) }
        #expect(missing.description.hasPrefix("cannot write '"))
        let intoFolder = try #require(throws: OutputFileError.self) { try AtomicFile.write([1], to: folder.path) }
        #expect(intoFolder.description.hasSuffix("Is a directory"))
    }

    /// `-o /dev/null`, `-o /dev/stdout`, a named pipe, a link of one's own: written into or
    /// followed, as a shell's `>` would — never replaced by a file.
    @Test func anAtomicWriteGoesIntoDevicesPipesAndOnesOwnLinks() throws {
        let folder = try Fixtures.temporaryDirectory("sinks")
        try AtomicFile.write(Array("nothing\n".utf8), to: "/dev/null", followingTheUsers: true)
        var info = stat()
        #expect(lstat("/dev/null", &info) == 0 && info.st_mode & S_IFMT == S_IFCHR, "/dev/null is still the device")
        // A device that refuses the bytes is an error, not a replaced device.
        if access("/dev/full", W_OK) == 0 {
            let full = try #require(throws: OutputFileError.self) { try AtomicFile.write(Array("x".utf8), to: "/dev/full", followingTheUsers: true) }
            #expect(full.description.contains("/dev/full"))
            #expect(lstat("/dev/full", &info) == 0 && info.st_mode & S_IFMT == S_IFCHR, "/dev/full is still the device")
        }
        // A named pipe with a reader: the reader gets the bytes, the pipe stays; with none, an
        // error at once rather than a wait.
        let pipe = folder.appendingPathComponent("pipe").path
        #expect(mkfifo(pipe, 0o600) == 0)
        let lonely = try #require(throws: OutputFileError.self) { try AtomicFile.write(Array("x".utf8), to: pipe, followingTheUsers: true) }
        #expect(lonely.description.hasSuffix("no one is reading the pipe"))
        let reader = open(pipe, O_RDONLY | O_NONBLOCK)
        #expect(reader >= 0)
        try AtomicFile.write(Array("through the pipe\n".utf8), to: pipe, followingTheUsers: true)
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = read(reader, &buffer, 64)
        close(reader)
        #expect(String(decoding: buffer[0..<max(0, count)], as: UTF8.self) == "through the pipe\n")
        #expect(lstat(pipe, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO, "the pipe is still a pipe")
        // /dev/fd/N: that descriptor.
        let held = open(folder.appendingPathComponent("held").path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        try AtomicFile.write(Array("by descriptor".utf8), to: "/dev/fd/\(held)", followingTheUsers: true)
        close(held)
        #expect(try String(contentsOfFile: folder.appendingPathComponent("held").path, encoding: .utf8) == "by descriptor")
        // One's own link to a file: the file it points to is replaced, the link kept.
        let target = folder.appendingPathComponent("target.html").path
        let link = folder.appendingPathComponent("link.html").path
        try AtomicFile.write(Array("old".utf8), to: target)
        #expect(symlink(target, link) == 0)
        try AtomicFile.write(Array("new".utf8), to: link, followingTheUsers: true)
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "new")
        #expect(lstat(link, &info) == 0 && info.st_mode & S_IFMT == S_IFLNK, "the link is still a link")
        // A path correlate made up (an emit folder's file name) follows nothing: the link is
        // replaced, its target untouched.
        try AtomicFile.write(Array("bundle".utf8), to: link)
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "new")
        #expect(lstat(link, &info) == 0 && info.st_mode & S_IFMT == S_IFREG, "the link was replaced")
        // A chain through a link someone else made is not followed: the user's own link is
        // replaced, the file at the chain's end untouched.
        if geteuid() == 0 {
            let victim = folder.appendingPathComponent("victim").path
            try AtomicFile.write(Array("precious".utf8), to: victim)
            let planted = folder.appendingPathComponent("planted").path
            let own = folder.appendingPathComponent("own").path
            #expect(symlink(victim, planted) == 0 && lchown(planted, 65_534, 65_534) == 0)
            #expect(symlink(planted, own) == 0)
            try AtomicFile.write(Array("report".utf8), to: own, followingTheUsers: true)
            #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious")
            #expect(lstat(own, &info) == 0 && info.st_mode & S_IFMT == S_IFREG, "the user's own link was replaced")
        }
    }

    /// NDJSON writes each revision as it comes; HTML keeps the latest revision of each alert
    /// and writes one page at the end.
    @Test func aStreamWritesRevisionsAsTheyComeOrThePageAtTheEnd() throws {
        let folder = try Fixtures.temporaryDirectory("sinks")
        for format in BundleStream.Format.allCases {
            let path = folder.appendingPathComponent("stream.\(format.rawValue)").path
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            let stream = BundleStream(format: format, output: ByteOutput(descriptor: fd))
            stream.write(bundle("Backlog", revision: 0))
            stream.write(bundle("Backlog", revision: 1))
            stream.finish()
            close(fd)
            let text = try String(contentsOfFile: path, encoding: .utf8)
            switch format {
            case .ndjson:
                #expect(text.split(separator: "\n").count == 2)
            case .text:
                #expect(text.contains("Backlog"))
                #expect(text.components(separatedBy: "FIRING Backlog").count == 3, "a section per revision: \(text)")
            case .markdown:
                #expect(text.contains("Backlog (revision 1)"))
            case .html:
                #expect(text.hasPrefix("<!DOCTYPE html>") || text.hasPrefix("<!doctype html>"), "\(text.prefix(40))")
                #expect(text.components(separatedBy: "Incident: Backlog").count >= 2)
            }
        }
    }

    /// Text and Markdown take the options too: the window's lines without a trace id only with
    /// `logs: .all`, the width of the text.
    @Test(arguments: [BundleOutput.Format.text, .markdown])
    func textAndMarkdownTakeTheOptionsTheyAreGiven(_ format: BundleOutput.Format) {
        var withLogs = bundle("Backlog")
        withLogs.unlinkedLogs = [LogRecord(source: SourceLocation(file: "/var/log/w.log", line: 3), timestamp: withLogs.windowStart,
                                           severity: .warn, message: "queue backlog growing")]
        #expect(!BundleOutput.render([withLogs], format: format, title: "t").contains("queue backlog growing"))
        #expect(BundleOutput.render([withLogs], format: format, title: "t", options: RenderOptions(logs: .all)).contains("queue backlog growing"))
    }

    /// `lookup`, `report` and `run` hand their render options to the HTML page: here, the log
    /// lines of the window that no trace explains, listed only with `logs: .all`.
    @Test func theHTMLPageTakesTheOptionsItIsGiven() throws {
        var withLogs = bundle("Backlog")
        withLogs.unlinkedLogs = [LogRecord(source: SourceLocation(file: "/var/log/w.log", line: 3), timestamp: withLogs.windowStart,
                                           severity: .warn, message: "queue backlog growing")]
        let all = RenderOptions(logs: .all)
        #expect(!BundleOutput.render([withLogs], format: .html, title: "t").contains("queue backlog growing"))
        #expect(BundleOutput.render([withLogs], format: .html, title: "t", options: all).contains("queue backlog growing"))
        let path = try Fixtures.temporaryDirectory("sinks").appendingPathComponent("page.html").path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let stream = BundleStream(format: .html, output: ByteOutput(descriptor: fd), options: all)
        stream.write(withLogs)
        stream.finish()
        close(fd)
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains("queue backlog growing"))
    }
}

/// A webhook receiver on a loopback port: answers each POST with the next status of `statuses`
/// (200 once they run out) and keeps what it was sent.
private final class WebhookReceiver: @unchecked Sendable {
    // Unchecked: `received` is used under `lock`; the rest is set before the thread starts.
    let port: UInt16
    private let listener: Int32
    private let lock = NSCondition()
    private var received: [(headers: String, body: String)] = []
    private var statuses: [Int]

    init(statuses: [Int]) throws {
        self.statuses = statuses
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) == 0 && getsockname(listener, $0, &length) == 0 }
        }
        guard bound, listen(listener, 8) == 0 else { throw POSIXError(.EADDRINUSE) }
        port = UInt16(bigEndian: address.sin_port)
        Thread { [self] in serve() }.start()
    }

    /// Waits up to 10 s for `count` requests and returns those received.
    func requests(atLeast count: Int) -> [(headers: String, body: String)] {
        lock.lock()
        defer { lock.unlock() }
        let deadline = Date().addingTimeInterval(10)
        while received.count < count, lock.wait(until: deadline) {}
        return received
    }

    private func serve() {
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            Thread { [self] in answer(connection) }.start()
        }
    }

    private func answer(_ connection: Int32) {
        defer { close(connection) }
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let end = pending.indices.dropLast(3).first { pending[$0..<$0 + 4].elementsEqual("\r\n\r\n".utf8) }
            guard let end else {
                let count = read(connection, &chunk, chunk.count)
                if count <= 0 { return }
                pending += chunk[0..<count]
                continue
            }
            let headers = String(decoding: pending[0..<end], as: UTF8.self)
            let length = headers.split(separator: "\r\n").compactMap { line -> Int? in
                let parts = line.split(separator: ":", maxSplits: 1)
                return parts.count == 2 && parts[0].lowercased() == "content-length" ? Int(parts[1].trimmingCharacters(in: .whitespaces)) : nil
            }.first ?? 0
            while pending.count < end + 4 + length {
                let count = read(connection, &chunk, chunk.count)
                if count <= 0 { return }
                pending += chunk[0..<count]
            }
            let body = String(decoding: pending[(end + 4)..<(end + 4 + length)], as: UTF8.self)
            pending.removeFirst(end + 4 + length)
            lock.lock()
            let status = statuses.isEmpty ? 200 : statuses.removeFirst()
            received.append((headers, body))
            lock.broadcast()
            lock.unlock()
            let reply = Array("HTTP/1.1 \(status) X\r\nContent-Length: 0\r\n\r\n".utf8)
            _ = reply.withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
        }
    }
}

@Suite struct WebhookTests {
    /// `--emit http://…`: each bundle is POSTed as JSON; an answer that is not 2xx is tried again
    /// after the pause, and the same bundle arrives again.
    @Test func aBundleIsPostedAndRetriedUntilAccepted() throws {
        let receiver = try WebhookReceiver(statuses: [503, 500])
        let url = try #require(URL(string: "http://127.0.0.1:\(receiver.port)/hooks/incident"))
        let emitter = try BundleEmitter(targets: [.webhook(url)], retryDelays: [0.05, 0.05, 0.05])
        let sent = bundle("JobLatencyHigh", revision: 3)
        emitter.emit(sent)
        let requests = receiver.requests(atLeast: 3)
        try #require(requests.count == 3, "two refusals and the accepted try")
        #expect(requests.allSatisfy { $0.headers.hasPrefix("POST /hooks/incident HTTP/1.1") })
        #expect(requests.allSatisfy { $0.headers.lowercased().contains("content-type: application/json") })
        #expect(Set(requests.map(\.body)).count == 1, "the same bundle each time")
        let posted = try JSONDocument.parse(requests[0].body)
        #expect(posted["alert"]?["name"]?.string == "JobLatencyHigh")
        #expect(posted["revision"]?.int64 == 3)
        // Accepted: nothing more is sent.
        Thread.sleep(forTimeInterval: 0.3)
        #expect(receiver.requests(atLeast: 3).count == 3)
    }

    /// A receiver that keeps refusing gets the bundle once per try, then no more.
    @Test func aRefusingReceiverIsGivenUpOnAfterTheLastTry() throws {
        let receiver = try WebhookReceiver(statuses: Array(repeating: 500, count: 10))
        let url = try #require(URL(string: "http://127.0.0.1:\(receiver.port)/"))
        let emitter = try BundleEmitter(targets: [.webhook(url)], retryDelays: [0.02, 0.02])
        emitter.emit(bundle("JobLatencyHigh"))
        #expect(receiver.requests(atLeast: 3).count == 3)
        Thread.sleep(forTimeInterval: 0.3)
        #expect(receiver.requests(atLeast: 3).count == 3, "three tries: the first and two more")
    }

    /// A URL's user and password go as Basic credentials, not in the request line.
    @Test func theURLsCredentialsAreSentAsBasicAuthorization() throws {
        let receiver = try WebhookReceiver(statuses: [])
        let url = try #require(URL(string: "http://alice:s%20cret@127.0.0.1:\(receiver.port)/hook"))
        let emitter = try BundleEmitter(targets: [.webhook(url)], retryDelays: [], webhookClient: WebhookClient(environment: [:]))
        emitter.emit(bundle("JobLatencyHigh"))
        let request = try #require(receiver.requests(atLeast: 1).first)
        #expect(request.headers.hasPrefix("POST /hook HTTP/1.1"))
        // base64("alice:s cret")
        #expect(request.headers.lowercased().contains("authorization: basic ywxpy2u6cybjcmv0"), "\(request.headers)")
    }

    /// `http_proxy` set: the post goes through the proxy (a tunnel AsyncHTTPClient asks for
    /// with CONNECT, then the request inside it).
    @Test func aPostGoesThroughTheProxyTheEnvironmentNames() throws {
        let proxy = try WebhookReceiver(statuses: [])
        let url = try #require(URL(string: "http://hooks.example.invalid/incident"))
        let emitter = try BundleEmitter(targets: [.webhook(url)], retryDelays: [],
                                        webhookClient: WebhookClient(environment: ["http_proxy": "http://127.0.0.1:\(proxy.port)"]))
        emitter.emit(bundle("JobLatencyHigh"))
        let requests = proxy.requests(atLeast: 2)
        try #require(requests.count == 2)
        #expect(requests[0].headers.hasPrefix("CONNECT hooks.example.invalid:80 HTTP/1.1"), "\(requests[0].headers)")
        #expect(requests[1].headers.hasPrefix("POST /incident HTTP/1.1"), "\(requests[1].headers)")
        #expect(requests[1].body.contains("JobLatencyHigh"))
    }

    @Test func theProxyIsReadFromTheEnvironmentAsCurlReadsIt() throws {
        let https = try #require(URL(string: "https://hooks.example.com/a"))
        let http = try #require(URL(string: "http://hooks.example.com/a"))
        func proxy(_ url: URL, _ environment: [String: String]) -> String? {
            WebhookClient.proxy(for: url, environment: environment).map { "\($0.host):\($0.port)" }
        }
        #expect(proxy(https, [:]) == nil)
        #expect(proxy(https, ["https_proxy": "http://proxy.corp:3128"]) == "proxy.corp:3128")
        #expect(proxy(https, ["HTTPS_PROXY": "proxy.corp"]) == "proxy.corp:1080")
        #expect(proxy(https, ["http_proxy": "http://proxy.corp:3128"]) == nil, "http_proxy is for http")
        #expect(proxy(http, ["http_proxy": "proxy.corp:8080"]) == "proxy.corp:8080")
        #expect(proxy(http, ["HTTP_PROXY": "proxy.corp:8080"]) == nil, "curl ignores HTTP_PROXY")
        #expect(proxy(http, ["all_proxy": "proxy.corp:8080"]) == "proxy.corp:8080")
        for exempt in ["example.com", ".example.com", "hooks.example.com", "other.org, example.com", "*"] {
            #expect(proxy(https, ["https_proxy": "proxy.corp:3128", "no_proxy": exempt]) == nil, "no_proxy=\(exempt)")
        }
        #expect(proxy(https, ["https_proxy": "proxy.corp:3128", "NO_PROXY": "ample.com"]) == "proxy.corp:3128", "a suffix is a domain, not letters")
        let authorized = WebhookClient.proxy(for: https, environment: ["https_proxy": "http://bob:pw@proxy.corp:3128"])
        #expect(authorized?.authorization == .basic(username: "bob", password: "pw"))
    }
}
