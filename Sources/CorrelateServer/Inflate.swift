import CZlib

/// gzip (and zlib) decompression with a bound on the output, so a small body that inflates
/// into gigabytes (a gzip bomb) is refused after `limit` bytes instead of filling memory.
enum Inflate {
    enum Failure: Error {
        case tooLarge
        case corrupt(String)
    }

    static func decompress(_ input: [UInt8], limit: Int) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        // 15 + 32: the largest window, and a gzip or zlib header, detected.
        guard correlate_inflate_init2(&stream, 15 + 32) == Z_OK else { throw .corrupt("cannot start zlib") }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        var input = input
        var status = Z_OK
        var overLimit = false
        input.withUnsafeMutableBufferPointer { source in
            stream.next_in = source.baseAddress
            stream.avail_in = UInt32(source.count)
            repeat {
                status = chunk.withUnsafeMutableBufferPointer { target -> Int32 in
                    stream.next_out = target.baseAddress
                    stream.avail_out = UInt32(target.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                if output.count + produced > limit {
                    overLimit = true
                    return
                }
                output.append(contentsOf: chunk[0..<produced])
            } while status == Z_OK && (stream.avail_in > 0 || stream.avail_out == 0)
        }
        if overLimit { throw .tooLarge }
        switch status {
        case Z_STREAM_END: return output
        case Z_OK, Z_BUF_ERROR: throw .corrupt("truncated gzip data")
        default: throw .corrupt(stream.msg.map { String(cString: $0) } ?? "invalid gzip data")
        }
    }
}
