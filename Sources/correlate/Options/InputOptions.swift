import ArgumentParser
import CorrelateSources

/// How the commands that read files (`run`, `extract`, `ingest`, `rules coverage`) find them in
/// a directory given as input.
struct InputOptions: ParsableArguments {
    @Option(
        name: .customLong("glob"),
        help: ArgumentHelp(
            "In a directory given as input (read recursively), read the files whose name matches this shell pattern. Repeatable. Default: \(InputPaths.defaultGlobs.joined(separator: " ")).",
            valueName: "pattern"))
    var globs: [String] = []

    /// The patterns in force.
    var effectiveGlobs: [String] { globs.isEmpty ? InputPaths.defaultGlobs : globs }
}
