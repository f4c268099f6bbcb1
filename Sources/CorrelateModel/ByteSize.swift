import Foundation

/// Sizes as people write them: `16MiB`, `512KiB`, `1G`, `1048576`, `10MB`.
///
/// `K`, `M`, `G` and the `KiB` forms are powers of 1024; `KB`, `MB`, `GB` powers of 1000.
public enum ByteSizeText {
    /// Bytes, or nil when the text is not a size.
    public static func bytes(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: [" "])
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let number = Int(digits) else { return nil }
        let unit: Int
        switch trimmed.dropFirst(digits.count).lowercased() {
        case "", "b": unit = 1
        case "k", "kib": unit = 1 << 10
        case "m", "mib": unit = 1 << 20
        case "g", "gib": unit = 1 << 30
        case "t", "tib": unit = 1 << 40
        case "kb": unit = 1000
        case "mb": unit = 1_000_000
        case "gb": unit = 1_000_000_000
        case "tb": unit = 1_000_000_000_000
        default: return nil
        }
        let (bytes, overflow) = number.multipliedReportingOverflow(by: unit)
        return overflow ? nil : bytes
    }
}
