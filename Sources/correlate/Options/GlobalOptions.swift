public import ArgumentParser
import CorrelatePipeline
public import CorrelateSinks

extension ColourChoice: ExpressibleByArgument {}

/// Options every command takes: the configuration file, colour and verbosity.
struct GlobalOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The configuration file. (default: $CORRELATE_CONFIG, else $XDG_CONFIG_HOME/correlate/correlate.yaml, else ~/.config/correlate/correlate.yaml, else ./correlate.yaml)",
        valueName: "path"))
    var config: String?

    @Option(name: .customLong("color"), help: ArgumentHelp(
        "auto (on a terminal, unless NO_COLOR is set non-empty or TERM=dumb), always or never. (default: the configuration file's color, else auto)",
        valueName: "when"))
    var colour: ColourChoice?

    @Flag(name: .shortAndLong, help: "Say more on stderr: which rules replaced which.")
    var verbose = false

    /// The colour choice of this run, for stdout and stderr alike (set when the options are
    /// parsed, so that what is said on stderr before the command runs follows it too).
    nonisolated(unsafe) static var colour: ColourChoice = .auto

    /// The configuration file of this run (empty when there is none), read when the options
    /// are parsed: a bad one stops every command before it runs.
    nonisolated(unsafe) static var configuration = ConfigFile()

    func validate() throws {
        GlobalOptions.colour = colour ?? .auto
        do {
            GlobalOptions.configuration = try ConfigFile.load(option: config)
        } catch {
            DiagnosticPrinter.print(error)
            throw ExitCode(ExitStatus.usage.rawValue)
        }
        GlobalOptions.colour = colour ?? GlobalOptions.configuration.colour ?? .auto
    }
}

/// `--rules`, `--no-shipped-rules`: the commands that read rules (extraction rules, or the
/// alert mappings of alerts.yaml).
struct RuleOptions: ParsableArguments {
    @Option(
        name: .customLong("rules"),
        help: ArgumentHelp(
            "A folder of rule files (*.yaml) to use besides the shipped ones; rules with the same name replace shipped ones. Repeatable; also read from $CORRELATE_RULES (folders separated by ':').",
            valueName: "dir"))
    var ruleDirectories: [String] = []

    @Flag(name: .customLong("no-shipped-rules"), help: "Use only the rules from --rules, $CORRELATE_RULES and the configuration file.")
    var noShippedRules = false

    var selection: RuleSelection {
        RuleSelection(directories: ruleDirectories, includeShipped: !noShippedRules, configured: GlobalOptions.configuration.rules)
    }
}
