#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the terminal an output goes to allows.
public enum Terminal {
    /// The terminal's width (stdout, then `$COLUMNS`), else 120.
    public static func columns() -> Int {
        var size = winsize()
        if isatty(1) == 1, ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let value = getenv("COLUMNS"), let columns = Int(String(cString: value)), columns > 0 { return columns }
        return 120
    }

    /// Whether output to `descriptor` is coloured: on a terminal only, never with `NO_COLOR`.
    public static func colour(descriptor: Int32) -> Bool {
        isatty(descriptor) == 1 && getenv("NO_COLOR") == nil
    }
}
