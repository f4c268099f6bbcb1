import ArgumentParser
import CorrelateModel
import CorrelatePipeline
import CorrelateServer
import CorrelateSinks
import Dispatch
import Foundation

extension Correlate {
    struct Serve: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve",
            abstract: "Receive spans, logs and alerts over OTLP/HTTP and webhooks; write a bundle for each alert.",
            usage: """
                correlate serve [--listen <host:port>] [--emit <target>]...
                                [--token-file <file>] [<options>]
                """,
            discussion: """
                Endpoints (HTTP/1.1):
                  POST /v1/traces, /v1/logs      OTLP/HTTP, protobuf or JSON, gzip or not
                  POST /api/alerts/alertmanager  an Alertmanager webhook payload
                  POST /api/alerts/grafana       a Grafana webhook payload
                  GET  /api/bundles?alert=NAME   the latest bundles (all, without alert=)
                  GET  /healthz                  ok once the store is open

                Everything received goes into the store (--db) that the other commands read. \
                Each alert's bundle is written once its window has closed and --settle has \
                passed, and again as a new revision while late data changes it (--watch), as \
                correlate run does; to every --emit target: stdout (NDJSON), dir:PATH (one file \
                per bundle revision, written atomically) or an http(s) URL (POSTed, retried with \
                backoff, through the proxy https_proxy, http_proxy or all_proxy names unless \
                no_proxy lists the host; user:password@ in the URL is sent as Basic credentials).

                A request is answered 2xx once its data is committed. When writes queue up \
                beyond --queue records, requests get 503 with Retry-After, which OTLP exporters \
                retry. Bundles are built on a thread of their own, so ingestion never waits for \
                them; at most --max-watched alerts are watched at once. SIGTERM or SIGINT stops \
                taking connections, finishes the requests in flight, writes the bundles due \
                (for up to 5 s; what is left is said), and exits.

                With --token-file, every request but /healthz needs "Authorization: Bearer \
                TOKEN". Bodies larger than --max-body, before or after decompression, get 413; \
                documents nested deeper than 128 levels get 400; a request that has not arrived \
                whole --request-timeout after its head gets 408 and its connection is closed; \
                a store that cannot be written (disk full) answers 503 with Retry-After.
                Refused requests are counted by status in the closing line on stderr; the first \
                ten are said there with their reason as they come.

                EXAMPLES:
                  correlate serve --emit stdout --emit dir:bundles
                  correlate serve --listen 0.0.0.0:4318 --token-file /etc/correlate/token
                  curl 'localhost:4318/api/bundles?alert=JobLatencyHigh'
                """)

        @Option(help: ArgumentHelp("Address to listen on: HOST:PORT ([::1]:PORT for IPv6; port 0 picks a free one, printed on stderr).", valueName: "host:port"))
        var listen = "127.0.0.1:4318"

        @Option(help: ArgumentHelp("Where bundles go: stdout, dir:PATH or an http(s) URL. Repeatable (default stdout).", valueName: "target"))
        var emit: [String] = []

        @Option(name: .customLong("token-file"), help: ArgumentHelp("A file holding the bearer token every request must carry.", valueName: "file"))
        var tokenFile: String?

        @Option(name: .customLong("max-body"), help: ArgumentHelp("Largest request body, also after decompression (such as 16MiB, 512KiB).", valueName: "size"))
        var maxBody = "16MiB"

        @Option(help: ArgumentHelp("Records (spans, log records, alerts) waiting for the store before requests get 503.", valueName: "n"))
        var queue = 200_000

        @Option(name: .customLong("idle-timeout"), help: ArgumentHelp("Close connections idle (or sending nothing) this long.", valueName: "duration"))
        var idleTimeout = "30s"

        @Option(name: .customLong("request-timeout"), help: ArgumentHelp("A request must arrive whole within this of its head; else 408 and the connection is closed.", valueName: "duration"))
        var requestTimeout = "60s"






        @Flag(name: .shortAndLong, help: "No start and stop lines on stderr.")
        var quiet = false

        @OptionGroup var bundles: BundleOptions

        @OptionGroup var ruleOptions: RuleOptions

        @OptionGroup var storeOptions: StoreOptions

        @OptionGroup(title: "Retention") var retentionOptions: RetentionOptions

        @OptionGroup var global: GlobalOptions

        func validate() throws {
            guard ListenAddress(listen) != nil else {
                throw ValidationError("--listen '\(listen)' is not HOST:PORT (such as 127.0.0.1:4318, 0.0.0.0:4318, [::1]:4318).")
            }
            for target in emit where EmitTarget(target) == nil {
                throw ValidationError("--emit '\(target)' is not stdout, dir:PATH or an http(s) URL (whose port, if given, is 1 to 65535).")
            }
            guard let bytes = ByteSizeText.bytes(maxBody), bytes >= 1024 else {
                throw ValidationError("--max-body '\(maxBody)' is not a size of at least 1KiB (such as 16MiB, 512KiB).")
            }
            for (name, value) in [("--idle-timeout", idleTimeout), ("--request-timeout", requestTimeout)]
            where DurationText.nanoseconds(value) == nil {
                throw ValidationError("\(name) '\(value)' is not a duration (such as 10s, 5m, 1h).")
            }
            guard DurationText.nanoseconds(idleTimeout)! >= 1_000_000_000 else { throw ValidationError("--idle-timeout must be at least 1s.") }
            guard DurationText.nanoseconds(requestTimeout)! >= 1_000_000_000 else { throw ValidationError("--request-timeout must be at least 1s.") }
            guard queue >= 1 else { throw ValidationError("--queue must be at least 1.") }
            // Read here too, not only in run(): a usage error said there would come with the
            // root's usage.
            if let tokenFile { _ = try Self.readToken(tokenFile) }
        }

        func run() throws {
            let token = try tokenFile.map(Self.readToken)
            let rules = try ruleOptions.selection.load()
            let alertRules = try ruleOptions.selection.loadAlertRules()
            let store = try storeOptions.open(limits: retentionOptions.limits)
            try store.beginLongRunningWrites()
            let address = ListenAddress(listen)!
            let emitter = try BundleEmitter(targets: emit.isEmpty ? [.standardOutput] : emit.compactMap(EmitTarget.init))
            let configuration = ServerConfiguration(
                host: address.host, port: address.port, maxBodyBytes: ByteSizeText.bytes(maxBody)!, token: token,
                queueCapacity: queue, idleTimeoutSeconds: DurationText.nanoseconds(idleTimeout)! / 1_000_000_000,
                requestTimeoutSeconds: DurationText.nanoseconds(requestTimeout)! / 1_000_000_000,
                bundles: bundles.settings)
            let server = CorrelateServer(configuration: configuration, store: store, reader: try storeOptions.openReader(),
                                         ruleSet: rules.ruleSet, alertRules: alertRules, emit: emitter.emit)
            StopSignals.unblock()
            let quiet = self.quiet
            let databasePath = storeOptions.path
            let outcome = ServeOutcome()
            let done = DispatchSemaphore(value: 0)
            Task.detached {
                do {
                    try await server.run { bound in
                        if !quiet { DiagnosticPrinter.printError("correlate serve: listening on \(bound), storing in \(databasePath)") }
                    }
                } catch {
                    outcome.error = error
                }
                done.signal()
            }
            done.wait()
            if let error = outcome.error {
                DiagnosticPrinter.printError("correlate serve: error: \(error)")
                throw ExitCode(ExitStatus.badInput.rawValue)
            }
            if !quiet { DiagnosticPrinter.printError("correlate serve: stopped; \(server.summary)") }
        }

        /// The token: the file's first line, without surrounding whitespace.
        static func readToken(_ path: String) throws -> String {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                // Why, as the system says it (or: not UTF-8 text).
                let descriptor = open(path, O_RDONLY)
                let why = descriptor < 0 ? String(cString: strerror(errno)) : "not UTF-8 text"
                if descriptor >= 0 { close(descriptor) }
                throw ValidationError("--token-file '\(path)' cannot be read: \(why).")
            }
            let token = (text.split(whereSeparator: \.isNewline).first.map(String.init) ?? "").trimmingCharacters(in: .whitespaces)
            guard !token.isEmpty else { throw ValidationError("--token-file '\(path)' holds no token.") }
            return token
        }
    }
}

/// What the server task ended with.
private final class ServeOutcome: @unchecked Sendable {
    // Unchecked: written by the task before it signals, read after the wait.
    var error: (any Error)?
}

/// `HOST:PORT`, `[V6]:PORT`.
struct ListenAddress: Equatable {
    var host: String
    var port: Int

    init?(_ text: String) {
        let hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            hostPart = text[text.index(after: text.startIndex)..<close]
            portPart = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
            guard !hostPart.contains(":") else { return nil }
        }
        guard !hostPart.isEmpty, portPart.allSatisfy(\.isNumber), let port = Int(portPart), (0...65535).contains(port) else {
            return nil
        }
        self.host = String(hostPart)
        self.port = port
    }
}
