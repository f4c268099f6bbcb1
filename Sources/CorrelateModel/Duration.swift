/// Durations as people write them: `500ms`, `30s`, `5m`, `2h`, `1d`, `1h30m`.
public enum DurationText {
    /// Nanoseconds, or nil when the text is not a duration.
    public static func nanoseconds(_ text: String) -> Int64? {
        var total: Int64 = 0
        var number: Int64 = 0
        var digits = 0
        var sawUnit = false
        var characters = Array(text.trimmingCharacters(in: [" "]))
        guard !characters.isEmpty else { return nil }
        characters.append(" ")
        var index = 0
        while index < characters.count - 1 {
            let character = characters[index]
            if let digit = character.wholeNumberValue, character.isASCII {
                guard number < Int64.max / 100 else { return nil }
                number = number * 10 + Int64(digit)
                digits += 1
                index += 1
                continue
            }
            guard digits > 0 else { return nil }
            let unit: Int64
            if character == "m", characters[index + 1] == "s" {
                unit = 1_000_000
                index += 1
            } else {
                switch character {
                case "s": unit = 1_000_000_000
                case "m": unit = 60_000_000_000
                case "h": unit = 3_600_000_000_000
                case "d": unit = 86_400_000_000_000
                default: return nil
                }
            }
            let (product, overflow) = number.multipliedReportingOverflow(by: unit)
            guard !overflow else { return nil }
            // A sum past Int64's nanoseconds (292 years) is no duration either.
            let (sum, past) = total.addingReportingOverflow(product)
            guard !past else { return nil }
            total = sum
            number = 0
            digits = 0
            sawUnit = true
            index += 1
        }
        return sawUnit && digits == 0 ? total : nil
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Set<Character>) -> Substring {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return slice
    }
}
