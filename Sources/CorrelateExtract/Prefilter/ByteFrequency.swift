/// Rough frequencies of (ASCII-folded) bytes in log text — JSON, logfmt, journald export and
/// plain lines — measured on the shipped Celery sample and smoothed. Only their order of
/// magnitude matters: they rank candidate literal sets by how rarely they occur.
enum ByteFrequency {
    static func of(_ byte: UInt8) -> Double { table[Int(byte)] }

    private static let table: [Double] = {
        var table = [Double](repeating: 0.001, count: 256)
        let letters: [(Character, Double)] = [
            ("e", 0.07), ("a", 0.043), ("r", 0.041), ("s", 0.038), ("c", 0.036), ("t", 0.045),
            ("i", 0.035), ("d", 0.03), ("o", 0.035), ("p", 0.024), ("b", 0.02), ("n", 0.035),
            ("f", 0.018), ("m", 0.018), ("l", 0.02), ("y", 0.013), ("u", 0.015), ("v", 0.008),
            ("k", 0.007), ("g", 0.01), ("x", 0.005), ("w", 0.006), ("h", 0.012), ("j", 0.0025),
            ("q", 0.0011), ("z", 0.001),
        ]
        for (letter, frequency) in letters { table[Int(letter.asciiValue!)] = frequency }
        for digit in UInt8(ascii: "0")...UInt8(ascii: "9") { table[Int(digit)] = 0.022 }
        let punctuation: [(Character, Double)] = [
            (" ", 0.08), ("\"", 0.03), (":", 0.02), (",", 0.015), ("-", 0.018), ("_", 0.015),
            (".", 0.012), ("/", 0.01), ("=", 0.008), ("'", 0.004), ("[", 0.004), ("]", 0.004),
            (";", 0.002), ("{", 0.002), ("}", 0.002), ("(", 0.002), (")", 0.002), ("\t", 0.002),
        ]
        for (mark, frequency) in punctuation { table[Int(mark.asciiValue!)] = frequency }
        return table
    }()
}
