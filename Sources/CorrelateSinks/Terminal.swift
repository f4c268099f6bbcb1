#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// When output is coloured (`--color`, the configuration file's `color:`).
public enum ColourChoice: String, Sendable, CaseIterable {
    /// On a terminal, unless `NO_COLOR` is set to something or `TERM` is `dumb`.
    case auto
    case always
    case never
}

/// What the terminal an output goes to allows.
public enum Terminal {
    /// The terminal's width (stdout, then `$COLUMNS`), else 120.
    public static func columns() -> Int {
        var size = winsize()
        if isatty(1) == 1, ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let value = getenv("COLUMNS"), let columns = Int(String(cString: value)), columns > 0 { return columns }
        return 120
    }

    /// Whether output to `descriptor` is coloured, by ``colour(_:isTerminal:noColor:term:)``
    /// with this process's terminal and environment.
    public static func colour(_ choice: ColourChoice = .auto, descriptor: Int32) -> Bool {
        colour(choice, isTerminal: isatty(descriptor) == 1, noColor: environment("NO_COLOR"), term: environment("TERM"))
    }

    /// The colour policy: `always` and `never` say it; `auto` colours a terminal, unless
    /// `NO_COLOR` holds a value (set but empty does not count, as no-color.org says) or
    /// `TERM` is `dumb`.
    /// - Parameters:
    ///   - noColor: `$NO_COLOR`, nil when unset.
    ///   - term: `$TERM`, nil when unset.
    public static func colour(_ choice: ColourChoice, isTerminal: Bool, noColor: String?, term: String?) -> Bool {
        switch choice {
        case .always: return true
        case .never: return false
        case .auto: return isTerminal && (noColor ?? "").isEmpty && term != "dumb"
        }
    }

    private static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
