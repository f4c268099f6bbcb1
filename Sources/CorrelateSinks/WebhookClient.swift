import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOHTTP1

/// How `serve --emit http(s)://…` reaches a webhook, as curl would (and URLSession's libcurl did
/// before correlate posted with AsyncHTTPClient): through the proxy the environment names, with
/// the URL's user and password as Basic credentials, giving up on a connection or an answer
/// that stalls for 10 s.
public struct WebhookClient: Sendable {
    /// The proxy for `url` from the environment, as curl reads it: `https_proxy` or
    /// `HTTPS_PROXY` for https, `http_proxy` for http (curl ignores `HTTP_PROXY`, which a CGI
    /// request can set), then `all_proxy` or `ALL_PROXY`; none when `no_proxy` (or `NO_PROXY`) is
    /// `*` or lists the host or a domain it is in (`example.com`, `.example.com`). The proxy is
    /// `[http://][user[:password]@]host[:port]`, port 1080 when none is given.
    static func proxy(for url: URL, environment: [String: String]) -> HTTPClient.Configuration.Proxy? {
        guard let host = url.host?.lowercased() else { return nil }
        let names = url.scheme?.lowercased() == "https" ? ["https_proxy", "HTTPS_PROXY"] : ["http_proxy"]
        guard let value = (names + ["all_proxy", "ALL_PROXY"]).lazy.compactMap({ environment[$0] })
            .first(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else { return nil }
        let exempt = (environment["no_proxy"] ?? environment["NO_PROXY"] ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        for entry in exempt {
            if entry == "*" { return nil }
            let domain = entry.hasPrefix(".") ? String(entry.dropFirst()) : entry
            if host == domain || host.hasSuffix("." + domain) { return nil }
        }
        let text = value.trimmingCharacters(in: .whitespaces)
        guard let parts = URLComponents(string: text.contains("://") ? text : "http://" + text), let proxyHost = parts.host,
              !proxyHost.isEmpty else { return nil }
        let authorization = parts.user.map { HTTPClient.Authorization.basic(username: $0, password: parts.password ?? "") }
        return .server(host: proxyHost, port: parts.port ?? 1080, authorization: authorization)
    }

    let environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// POSTs `body` as JSON to `url` and returns the answer's status code.
    /// - Throws: the client's error when no answer came (refused, timed out, a TLS failure).
    func post(_ body: Data, to url: URL) throws -> UInt {
        var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(10), read: .seconds(10)))
        configuration.proxy = Self.proxy(for: url, environment: environment)
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        defer { try? client.syncShutdown() }
        // The credentials go in a header of their own, not in the URL the client is given.
        var headers: HTTPHeaders = ["Content-Type": "application/json"]
        var target = URLComponents(url: url, resolvingAgainstBaseURL: false)
        if let user = target?.user {
            headers.add(name: "Authorization", value: HTTPClient.Authorization.basic(username: user, password: target?.password ?? "").headerValue)
            target?.user = nil
            target?.password = nil
        }
        let request = try HTTPClient.Request(url: target?.url ?? url, method: .POST, headers: headers, body: .bytes(Array(body)))
        // The future's answer, waited for on the caller's thread: no task of a concurrency pool
        // is needed (a pool kept busy would hold the post up).
        return try client.execute(request: request).wait().status.code
    }
}
