import ArgumentParser

extension Correlate {
    struct Version: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "version",
            abstract: "Print correlate's version (as --version and -V do).",
            discussion: """
                EXAMPLES:
                  correlate version
                  correlate --version
                """)

        func run() {
            print(Correlate.configuration.version)
        }
    }
}
