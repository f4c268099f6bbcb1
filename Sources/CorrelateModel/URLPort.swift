/// The port of a URL as it was written (RFC 3986 §3.2.3: the digits after the host's colon),
/// for the addresses correlate is given (`--emit http://…`, `--store clickhouse://…`):
/// Foundation's `URL` takes `:0`, `:65536`, and drops a port past `Int`'s range, so an address
/// with a mistyped port would be used with none or fail later in the HTTP client.
public enum URLPort {
    /// The port text after the host of `url` (`scheme://[userinfo@]host[:port]/…`), nil when
    /// no port is written; an empty text for a colon with nothing after it.
    public static func written(in url: String) -> Substring? {
        guard let scheme = url.range(of: "://") else { return nil }
        var authority = url[scheme.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        // After an IPv6 literal's closing bracket, else after the host's colon.
        let afterHost = authority.lastIndex(of: "]").map { authority[authority.index(after: $0)...] } ?? authority
        return afterHost.lastIndex(of: ":").map { afterHost[afterHost.index(after: $0)...] }
    }

    /// A written port as a TCP port: 1 to 65535 in decimal digits, else nil.
    public static func number(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 5, text.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(text),
              (1...65_535).contains(number) else { return nil }
        return number
    }
}
