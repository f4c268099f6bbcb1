/// Byte-level hex helpers shared by the id types; no `String` is created on these paths.
enum Hex {
    static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// The value of one ASCII hex digit, or `nil`.
    @inline(__always)
    static func value(_ byte: UInt8) -> UInt64? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt64(byte &- UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt64(byte &- UInt8(ascii: "a") &+ 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt64(byte &- UInt8(ascii: "A") &+ 10)
        default: return nil
        }
    }

    /// Hex digit values by byte; 0xFF for bytes that are not hex digits.
    static let values: [UInt8] = (0..<256).map { byte in
        switch UInt8(byte) {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt8(byte) - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt8(byte) - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt8(byte) - UInt8(ascii: "A") + 10
        default: return 0xFF
        }
    }

    /// Parses `count` (1–16) hex digits at `start` into a UInt64.
    @inline(__always)
    static func parse64(_ start: UnsafePointer<UInt8>, count: Int) -> UInt64? {
        guard count >= 1, count <= 16 else { return nil }
        return values.withUnsafeBufferPointer { table in
            var result: UInt64 = 0
            var bad: UInt8 = 0
            for index in 0..<count {
                let digit = table[Int(start[index])]
                bad |= digit
                result = result << 4 | UInt64(digit & 0xF)
            }
            return bad & 0xF0 == 0 ? result : nil
        }
    }

    /// Parses up to 16 hex digits into a UInt64.
    @inline(__always)
    static func parse64<C: Collection<UInt8>>(_ bytes: C) -> UInt64? {
        guard !bytes.isEmpty, bytes.count <= 16 else { return nil }
        var result: UInt64 = 0
        for byte in bytes {
            guard let digit = value(byte) else { return nil }
            result = result << 4 | digit
        }
        return result
    }

    /// Writes `value` as 16 lowercase hex digits at `out`.
    @inline(__always)
    static func write16(_ value: UInt64, to out: UnsafeMutablePointer<UInt8>) {
        let table: StaticString = "0123456789abcdef"
        let digits = table.utf8Start
        var rest = value
        var index = 15
        while index >= 0 {
            out[index] = digits[Int(rest & 0xF)]
            rest >>= 4
            index -= 1
        }
    }

    /// Appends `value` as `count` lowercase hex digits (the low `4 * count` bits).
    @inline(__always)
    static func append(_ value: UInt64, digits count: Int, to out: inout [UInt8]) {
        var shift = (count - 1) * 4
        while shift >= 0 {
            out.append(digits[Int((value >> UInt64(shift)) & 0xF)])
            shift -= 4
        }
    }
}
