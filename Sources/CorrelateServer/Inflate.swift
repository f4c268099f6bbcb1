import CorrelateSources

/// gzip (and zlib) decompression with a bound on the output, so a small body that inflates
/// into gigabytes (a gzip bomb) is refused after `limit` bytes instead of filling memory. zlib
/// itself is reached through `CorrelateSources` (``Decompression``), the one target that imports
/// it.
enum Inflate {
    static func decompress(_ input: [UInt8], limit: Int) throws(Decompression.Failure) -> [UInt8] {
        try Decompression.inflate(input, limit: limit)
    }
}
