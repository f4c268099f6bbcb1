import ArgumentParser
import CorrelateModel
import CorrelatePipeline
import Foundation

/// `--log-tz`: how log timestamps without a zone are read (commands that read logs).
struct LogTimeOptions: ParsableArguments {
    @Option(
        name: .customLong("log-tz"),
        help: ArgumentHelp(
            "How log times without a zone are read: auto (as UTC; then a log source whose lines sit a whole number of quarter hours from their spans is moved beside them, and the summary says so), an IANA zone (Europe/Berlin) or an offset (+01:00, -0530). (default: the configuration file's log_tz, else auto)",
            valueName: "zone"))
    var given: String?

    /// `--log-tz`, else the configuration file's `log_tz:` (read when the options are parsed,
    /// and checked there), else auto.
    var logTZ: String { given ?? GlobalOptions.configuration.logTimeZone ?? "auto" }

    func validate() throws {
        _ = try rule()
    }

    /// The zone's rule for ``ZonelessTime`` (nil: UTC), or a usage error naming the value.
    func rule() throws -> ZonelessTime.Rule? {
        if logTZ.lowercased() == "auto" { return nil }
        if let offset = ZonelessTime.fixedOffset(logTZ) {
            return offset == 0 ? nil : { @Sendable _ in offset }
        }
        guard let zone = TimeZone(identifier: logTZ) else {
            throw ValidationError("--log-tz '\(logTZ)' is not a time zone: give an IANA name (Europe/Berlin), an offset (+01:00) or auto.")
        }
        // A wall-clock time read as UTC is `offset` ahead of the instant it names: the offset
        // at that instant, found from the offset at the wall-clock time read as UTC.
        return { @Sendable local in
            let guess = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(local)))
            return Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(local - Int64(guess)))))
        }
    }

    /// Sets how zone-less times are read, before any input is; returns what to do with a log
    /// source whose clock sits whole quarter hours from its spans: move it (auto), or, a zone
    /// being given, only say so.
    func apply() throws -> LogClockPolicy {
        ZonelessTime.set(try rule())
        return logTZ.lowercased() == "auto" ? .shift : .report
    }
}
