import CorrelateModel
import CorrelateJSON

/// The protobuf wire format read straight from the bytes (varints, fixed 32/64-bit values,
/// length-delimited fields), for the OTLP messages `correlate serve` receives most: no message
/// objects in between, so an export request of 512 spans costs the spans and little else.
struct ProtobufWire {
    enum Failure: Error, CustomStringConvertible {
        case truncated
        case malformedVarint
        case unsupportedWireType(Int)
        case invalidLength
        case tooDeep

        var description: String {
            switch self {
            case .tooDeep: "messages \(NestingLimit.reason)"
            case .truncated: "truncated message"
            case .malformedVarint: "malformed varint"
            case .unsupportedWireType(let type): "unsupported wire type \(type)"
            case .invalidLength: "invalid length"
            }
        }
    }

    private let bytes: UnsafeRawBufferPointer
    private var position: Int
    private let end: Int
    /// How many messages enclose this one (0 for the top-level message); at most
    /// ``NestingLimit/maximumDepth``, as SwiftProtobuf's `messageDepthLimit` counts them.
    private let depth: Int

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        position = 0
        end = bytes.count
        depth = 0
    }

    private init(_ bytes: UnsafeRawBufferPointer, range: Range<Int>, depth: Int) {
        self.bytes = bytes
        position = range.lowerBound
        end = range.upperBound
        self.depth = depth
    }

    /// A reader over what ``rest`` gave: the same bytes (or a copy of them), read later, on
    /// another thread for instance.
    init(_ bytes: UnsafeRawBufferPointer, rest: (range: Range<Int>, depth: Int)) {
        self.init(bytes, range: rest.range, depth: rest.depth)
    }

    /// What is left of this message: its bytes' range and how many messages enclose it.
    var rest: (range: Range<Int>, depth: Int) { (position..<end, depth) }

    var isAtEnd: Bool { position >= end }

    /// The next field's number and wire type.
    mutating func field() throws(Failure) -> (number: Int, type: Int) {
        let key = try varint()
        return (Int(key >> 3), Int(key & 7))
    }

    mutating func varint() throws(Failure) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else { throw .truncated }
            let byte = bytes[position]
            position += 1
            guard shift < 64 else { throw .malformedVarint }
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
    }

    mutating func fixed64() throws(Failure) -> UInt64 { try littleEndian() }

    mutating func fixed32() throws(Failure) -> UInt32 { try littleEndian() }

    private mutating func littleEndian<Value: FixedWidthInteger & UnsignedInteger>() throws(Failure) -> Value {
        let size = MemoryLayout<Value>.size
        guard end - position >= size else { throw .truncated }
        var value: Value = 0
        for index in (0..<size).reversed() { value = value << 8 | Value(bytes[position + index]) }
        position += size
        return value
    }

    /// The range of a length-delimited field's contents.
    mutating func delimited() throws(Failure) -> Range<Int> {
        let length = try varint()
        guard length <= UInt64(end - position) else { throw .invalidLength }
        let range = position..<position + Int(length)
        position = range.upperBound
        return range
    }

    /// A reader over a length-delimited field (an embedded message).
    /// - Throws: ``Failure/tooDeep`` past ``NestingLimit/maximumDepth`` embedded messages: the
    ///   readers of `AnyValue` recurse once per level.
    mutating func message() throws(Failure) -> ProtobufWire {
        guard depth < NestingLimit.maximumDepth else { throw .tooDeep }
        return ProtobufWire(bytes, range: try delimited(), depth: depth + 1)
    }

    mutating func string() throws(Failure) -> String {
        let range = try delimited()
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    mutating func data() throws(Failure) -> [UInt8] {
        Array(UnsafeRawBufferPointer(rebasing: bytes[try delimited()]))
    }

    /// A 16-byte trace id field; nil for any other length.
    mutating func traceID() throws(Failure) -> TraceID? {
        let range = try delimited()
        guard range.count == 16 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for index in 0..<8 {
            high = high << 8 | UInt64(bytes[range.lowerBound + index])
            low = low << 8 | UInt64(bytes[range.lowerBound + 8 + index])
        }
        return TraceID(high: high, low: low)
    }

    /// An 8-byte span id field; nil for any other length.
    mutating func spanID() throws(Failure) -> SpanID? {
        let range = try delimited()
        guard range.count == 8 else { return nil }
        var value: UInt64 = 0
        for index in 0..<8 { value = value << 8 | UInt64(bytes[range.lowerBound + index]) }
        return SpanID(value)
    }

    /// Skips a field of `type` that is not read.
    mutating func skip(_ type: Int) throws(Failure) {
        switch type {
        case 0: _ = try varint()
        case 1: _ = try fixed64()
        case 2: _ = try delimited()
        case 5: _ = try fixed32()
        default: throw .unsupportedWireType(type)
        }
    }

    /// Calls `body` with each embedded message of field `number` in what is left of this
    /// message, skipping every other field.
    mutating func forEachMessage(_ number: Int, _ body: (inout ProtobufWire) throws -> Void) throws {
        while !isAtEnd {
            let (field, type) = try field()
            guard field == number, type == 2 else {
                try skip(type)
                continue
            }
            var embedded = try message()
            try body(&embedded)
        }
    }

    // MARK: - OTLP common messages

    /// This `KeyValue` message, appended to `attributes` (a pair whose value is unset is left
    /// out, as the generated decoder's caller does).
    mutating func appendKeyValue(to attributes: inout [Attribute]) throws {
        var key = ""
        var value: AttributeValue?
        while !isAtEnd {
            let (number, type) = try field()
            switch (number, type) {
            case (1, 2): key = try string()
            case (2, 2):
                var any = try message()
                value = try any.anyValue()
            default: try skip(type)
            }
        }
        if let value { attributes.append(Attribute(key, value)) }
    }

    /// The contents of an `AnyValue` message; nil when no value is set.
    mutating func anyValue() throws -> AttributeValue? {
        var value: AttributeValue?
        while !isAtEnd {
            let (number, type) = try field()
            switch (number, type) {
            case (1, 2): value = .string(try string())
            case (2, 0): value = .bool(try varint() != 0)
            case (3, 0): value = .int(Int64(bitPattern: try varint()))
            case (4, 1): value = .double(Double(bitPattern: try fixed64()))
            case (5, 2):
                var array = try message()
                var values: [AttributeValue] = []
                try array.forEachMessage(1) { element in
                    if let decoded = try element.anyValue() { values.append(decoded) }
                }
                value = .array(values)
            case (6, 2):
                var list = try message()
                var pairs: [Attribute] = []
                try list.forEachMessage(1) { try $0.appendKeyValue(to: &pairs) }
                value = .keyValues(pairs)
            case (7, 2): value = .bytes(try data())
            default: try skip(type)
            }
        }
        return value
    }
}
