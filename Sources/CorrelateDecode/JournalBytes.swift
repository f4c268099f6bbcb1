/// journald's JSON export writes a field that is not valid UTF-8 as an array of byte values:
/// `"MESSAGE":[72,101,108,108,111]`.
enum JournalBytes {
    /// Appends the bytes of such an array to `out`; false when `array` is not one. A field with
    /// several values (`[["a"],…]` or `["a","b"]`) is not a byte array.
    static func decode(_ array: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) -> Bool {
        guard array.first == UInt8(ascii: "["), array.last == UInt8(ascii: "]") else { return false }
        var value = 0
        var digits = 0
        var count = 0
        for byte in array.dropFirst() {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                digits += 1
                guard digits <= 3, value <= 255 else { return false }
            case UInt8(ascii: ","), UInt8(ascii: "]"):
                guard digits > 0 else { return byte == UInt8(ascii: "]") && count == 0 }
                out.append(UInt8(value))
                count += 1
                value = 0
                digits = 0
            case UInt8(ascii: " "):
                continue
            default:
                return false
            }
        }
        return true
    }
}
