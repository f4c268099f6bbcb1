#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser

/// The inputs a command that writes the store reads, checked before the store is opened: a
/// command that cannot read its inputs neither creates a store nor adds half of them to one.
enum InputCheck {
    /// Says each of `paths` (`-`, standard input, aside) that does not exist or cannot be read,
    /// and stops with status 1 when there is one. Nothing is opened (a FIFO is not consumed).
    static func requireReadable(_ paths: [String]) throws {
        var unreadable = false
        for path in paths where path != "-" && access(path, R_OK) != 0 {
            DiagnosticPrinter.printError("correlate: error: cannot open '\(path)': \(String(cString: strerror(errno)))")
            unreadable = true
        }
        if unreadable { throw ExitCode(ExitStatus.badInput.rawValue) }
    }
}
