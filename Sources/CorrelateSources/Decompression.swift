internal import CZlib
internal import CZstd

/// What an input is compressed with, told by its first bytes — never by its name: a `.gz` that
/// holds plain text is read as text, and a gzip stream on standard input is decompressed.
public enum Compression: String, Sendable, CaseIterable {
    case none
    /// gzip (RFC 1952), magic `1f 8b`; several members one after another are one stream, as
    /// `gzip -d` reads them.
    case gzip
    /// Zstandard (RFC 8878), magic `28 b5 2f fd`; several frames one after another likewise.
    case zstd

    static let gzipMagic: [UInt8] = [0x1F, 0x8B]
    static let zstdMagic: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD]

    /// The compression whose magic number `head` starts with (`.none` for anything else).
    public static func detect<Bytes: Collection<UInt8>>(_ head: Bytes) -> Compression {
        if head.starts(with: gzipMagic) { return .gzip }
        if head.starts(with: zstdMagic) { return .zstd }
        return .none
    }

    /// Whether more bytes could still make `head` one of the magic numbers (a pipe's first read
    /// may bring fewer bytes than a magic number has).
    static func mayBecomeMagic<Bytes: Collection<UInt8>>(_ head: Bytes) -> Bool {
        (head.count < gzipMagic.count && gzipMagic.starts(with: head))
            || (head.count < zstdMagic.count && zstdMagic.starts(with: head))
    }
}

/// What a step of decompression did.
struct DecompressionStep {
    var consumed = 0
    var produced = 0
    /// A gzip member or a zstd frame ended in this step (its check passed).
    var streamEnded = false
    /// The data is damaged; the `produced` bytes before the damage are good.
    var damage: String?
}

/// A streaming decompressor: input and output are given piece by piece, so memory stays bounded
/// whatever the input's size.
protocol StreamDecompressor: AnyObject {
    /// Decompresses from `input` into `output`, as far as either allows.
    func step(_ input: UnsafeRawBufferPointer, _ output: UnsafeMutableRawBufferPointer) -> DecompressionStep
    /// Starts the next gzip member or zstd frame after one ended.
    func startNextStream()
    /// The last step filled the output: more output may come without more input.
    var mayHoldOutput: Bool { get }
    /// The name of the format, for messages.
    var format: String { get }
}

/// gzip through zlib's `inflate`.
final class GzipDecompressor: StreamDecompressor {
    // zlib keeps a pointer back to its `z_stream` and checks it: the stream lives at one address.
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    private(set) var mayHoldOutput = false
    var format: String { "gzip" }

    /// - Parameter windowBits: 15 + 16 reads gzip only; 15 + 32 detects gzip or zlib.
    init?(windowBits: Int32 = 15 + 16) {
        stream.initialize(to: z_stream())
        guard correlate_inflate_init2(stream, windowBits) == Z_OK else {
            stream.deallocate()
            return nil
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    func step(_ input: UnsafeRawBufferPointer, _ output: UnsafeMutableRawBufferPointer) -> DecompressionStep {
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = UInt32(clamping: input.count)
        stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = UInt32(clamping: output.count)
        let before = (input: stream.pointee.avail_in, output: stream.pointee.avail_out)
        let status = inflate(stream, Z_NO_FLUSH)
        var step = DecompressionStep(
            consumed: Int(before.input - stream.pointee.avail_in), produced: Int(before.output - stream.pointee.avail_out))
        mayHoldOutput = stream.pointee.avail_out == 0
        switch status {
        case Z_OK, Z_BUF_ERROR: break  // Z_BUF_ERROR: no progress possible now, not an error
        case Z_STREAM_END:
            step.streamEnded = true  // and all of the member's output handed on
            mayHoldOutput = false
        case Z_NEED_DICT: step.damage = "damaged gzip data (it asks for a preset dictionary)"
        case Z_MEM_ERROR: step.damage = "out of memory while decompressing gzip data"
        default: step.damage = "damaged gzip data (" + (stream.pointee.msg.map { String(cString: $0) } ?? "invalid data") + ")"
        }
        return step
    }

    func startNextStream() {
        inflateReset(stream)
    }
}

/// Zstandard through libzstd's streaming decompression.
final class ZstdDecompressor: StreamDecompressor {
    private let context: OpaquePointer
    private(set) var mayHoldOutput = false
    var format: String { "zstd" }

    init?() {
        guard let context = ZSTD_createDCtx() else { return nil }
        self.context = context
    }

    deinit {
        ZSTD_freeDCtx(context)
    }

    func step(_ input: UnsafeRawBufferPointer, _ output: UnsafeMutableRawBufferPointer) -> DecompressionStep {
        var source = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        var target = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
        let result = ZSTD_decompressStream(context, &target, &source)
        var step = DecompressionStep(consumed: source.pos, produced: target.pos)
        mayHoldOutput = target.pos == target.size
        if ZSTD_isError(result) != 0 {
            step.damage = "damaged zstd data (" + String(cString: ZSTD_getErrorName(result)) + ")"
        } else if result == 0 {
            step.streamEnded = true  // a frame is complete and all of it handed on
            mayHoldOutput = false
        }
        return step
    }

    func startNextStream() {}  // the next frame starts by itself
}

/// Decompression of a whole buffer in memory, bounded.
public enum Decompression {
    public enum Failure: Error, Sendable {
        /// The output would pass the limit (a decompression bomb stops here).
        case tooLarge
        case corrupt(String)
    }

    /// Inflates a gzip or zlib body (an HTTP `Content-Encoding: gzip` or `deflate`) into at most
    /// `limit` bytes: a small body that would inflate into gigabytes is refused after `limit`
    /// bytes instead of filling memory.
    public static func inflate(_ input: [UInt8], limit: Int) throws(Failure) -> [UInt8] {
        // 15 + 32: the largest window, and a gzip or zlib header, detected.
        guard let inflater = GzipDecompressor(windowBits: 15 + 32) else { throw .corrupt("cannot start zlib") }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        var offset = 0
        var ended = false
        while true {
            let step = input.withUnsafeBytes { source in
                chunk.withUnsafeMutableBytes { target in
                    inflater.step(UnsafeRawBufferPointer(rebasing: source[offset...]), target)
                }
            }
            offset += step.consumed
            if output.count + step.produced > limit { throw .tooLarge }
            output.append(contentsOf: chunk[0..<step.produced])
            if let damage = step.damage { throw .corrupt(damage) }
            if step.streamEnded {
                ended = true
                break
            }
            if step.consumed == 0 && step.produced == 0 { break }  // no progress: the input ran out
        }
        guard ended else { throw .corrupt("truncated gzip data") }
        return output
    }
}
