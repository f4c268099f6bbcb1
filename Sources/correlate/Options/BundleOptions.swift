import ArgumentParser
import CorrelateModel
import CorrelatePipeline

/// When `run` and `serve` build an alert's bundle, and how big it is.
struct BundleOptions: ParsableArguments {
    @Option(help: ArgumentHelp("How long after an alert's window closed its bundle is written.", valueName: "duration"))
    var settle = "10s"

    @Option(help: ArgumentHelp("How long a resolved alert's bundle is written again when late data changes it.", valueName: "duration"))
    var watch = "5m"

    @Option(help: "Keep the top N traces of each bundle.")
    var limit = 10

    @Option(name: .customLong("max-watched"), help: ArgumentHelp("Alerts watched for their bundle at most; past it the oldest written ones make room, and the overflow is counted.", valueName: "n"))
    var maxWatched = 10_000

    @Option(help: ArgumentHelp("How far before startsAt to search (default from rules/alerts.yaml, 5m).", valueName: "duration"))
    var lookback: String?

    func validate() throws {
        for (name, value) in [("--settle", settle), ("--watch", watch), ("--lookback", lookback ?? "0s")]
        where DurationText.nanoseconds(value) == nil {
            throw ValidationError("\(name) '\(value)' is not a duration (such as 10s, 5m, 1h).")
        }
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1.") }
        guard maxWatched >= 1 else { throw ValidationError("--max-watched must be at least 1.") }
    }

    /// The options as the pipeline takes them (valid once `validate()` passed).
    var settings: BundleSettings {
        BundleSettings(
            settleNanoseconds: DurationText.nanoseconds(settle)!, watchNanoseconds: DurationText.nanoseconds(watch)!,
            limit: limit, lookbackNanoseconds: lookback.flatMap(DurationText.nanoseconds), maxWatched: maxWatched)
    }
}
