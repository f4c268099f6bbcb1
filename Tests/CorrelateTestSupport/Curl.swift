public import Foundation

/// An HTTP exchange made with curl, a client users have (and one that says exactly what it got).
public struct HTTPReply: Sendable {
    /// 0 when no answer came (connection refused, reset, timed out).
    public var status: Int
    /// Header names lowercased.
    public var headers: [String: String]
    public var body: Data
    /// The request's time as curl measured it, from the start of the transfer to its last
    /// byte (`%{time_total}`): the server's answer, without the time taken to start curl.
    public var seconds: Double = 0
    public var text: String { String(decoding: body, as: UTF8.self) }
}

public enum Curl {
    /// Sends one request. `body` goes as is (`--data-binary`); `Expect: 100-continue` is off.
    public static func request(
        _ url: String, method: String = "POST", headers: [String: String] = [:], body: Data? = nil, timeout: Int = 30
    ) throws -> HTTPReply {
        let folder = try Fixtures.temporaryDirectory("curl")
        defer { try? FileManager.default.removeItem(at: folder) }
        let bodyFile = folder.appendingPathComponent("request")
        let replyFile = folder.appendingPathComponent("reply")
        let headerFile = folder.appendingPathComponent("headers")
        var arguments = ["curl", "-s", "-X", method, "--max-time", String(timeout), "-H", "Expect:",
                         "-o", replyFile.path, "-D", headerFile.path, "-w", "%{http_code} %{time_total}"]
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { arguments += ["-H", "\(name): \(value)"] }
        if let body {
            try body.write(to: bodyFile)
            arguments += ["--data-binary", "@" + bodyFile.path]
        }
        arguments.append(url)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let written = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        var parsed: [String: String] = [:]
        let rawHeaders = (try? String(contentsOf: headerFile, encoding: .utf8)) ?? ""
        for line in rawHeaders.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            parsed[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let measured = String(decoding: written, as: UTF8.self).split(separator: " ")
        return HTTPReply(
            status: measured.first.flatMap { Int($0) } ?? 0, headers: parsed,
            body: (try? Data(contentsOf: replyFile)) ?? Data(), seconds: measured.dropFirst().first.flatMap { Double($0) } ?? .infinity)
    }

    /// GET `url`.
    public static func get(_ url: String, headers: [String: String] = [:]) throws -> HTTPReply {
        try request(url, method: "GET", headers: headers)
    }
}
