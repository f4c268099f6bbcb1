public import ArgumentParser
public import CorrelateModel
import CorrelateRender
import CorrelateSinks

extension Alert.Status: ExpressibleByArgument {}

extension Correlate {
    struct Alerts: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "alerts",
            abstract: "List the alerts in the store: name, status, start and end, fingerprint, labels.",
            usage: """
                correlate alerts [--since <time>] [--name <name>]
                                 [--status firing|resolved]
                                 [--format text|json] [<options>]
                """,
            discussion: """
                Lists the alerts stored (by ingest, run or serve), the latest start first: when \
                each started and ended ((open) while firing), its status, alertname, fingerprint \
                (what correlate lookup --fingerprint takes) and labels. --since keeps the alerts \
                whose window reaches into the time since then (what journalctl --since takes: \
                yesterday, '2 hours ago', 2026-11-25); --name an alertname (case ignored); \
                --status firing or resolved. --format json writes one object per line.

                EXAMPLES:
                  correlate alerts --since yesterday
                  correlate alerts --name joblatencyhigh --status firing
                  correlate alerts --format json | jq -r .fingerprint
                """)

        @Option(help: ArgumentHelp("Only alerts whose window reaches into the time since then: \(TimeOptions.forms).", valueName: "time"))
        var since: String?

        @Option(help: ArgumentHelp("Only alerts with this alertname (ASCII case ignored).", valueName: "name"))
        var name: String?

        @Option(help: ArgumentHelp("Only alerts with this status: firing or resolved.", valueName: "status"))
        var status: Alert.Status?

        static let formats: [OutputFormat] = [.text, .json]

        @Option(help: ArgumentHelp("text (a table) or json (one object per line).", valueName: OutputFormat.valueName(formats)),
                completion: OutputFormat.completion(formats))
        var format: OutputFormat = .text

        @OptionGroup var storeOptions: StoreOptions

        @OptionGroup var global: GlobalOptions

        func validate() throws {
            try format.check(Self.formats, command: "alerts")
            if let since { _ = try TimeOptions.parse(since, option: "--since", now: .now) }
        }

        func run() throws {
            let store = try storeOptions.openExisting()
            let alerts = try store.alerts(AlertListQuery(
                since: try since.map { try TimeOptions.parse($0, option: "--since", now: .now) }, name: name, status: status))
            let text = format == .json ? ListingJSON.alerts(alerts) : ListingText.alerts(alerts)
            ByteOutput.standardOutput.write(Array(text.utf8))
        }
    }
}
