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
            discussion: """
                Lists the alerts stored (by ingest, run or serve), the latest start first: when \
                each started and ended ((open) while firing), its status, alertname, fingerprint \
                (what correlate lookup --fingerprint takes) and labels. --since keeps the alerts \
                whose window reaches into the time since then (an RFC 3339 time, or a duration \
                back from now: 2h, 30m); --name an alertname (ASCII case ignored); --status \
                firing or resolved. --format json writes one object per line.

                EXAMPLES
                  correlate alerts --since 24h
                  correlate alerts --name joblatencyhigh --status firing
                  correlate alerts --format json | jq -r .fingerprint
                """)

        @Option(help: ArgumentHelp("Only alerts whose window reaches into the time since then: an RFC 3339 time, or a duration back from now.", valueName: "time"))
        var since: String?

        @Option(help: ArgumentHelp("Only alerts with this alertname (ASCII case ignored).", valueName: "name"))
        var name: String?

        @Option(help: ArgumentHelp("Only alerts with this status: firing or resolved.", valueName: "status"))
        var status: Alert.Status?

        @Option(help: "text (a table) or json (one object per line).")
        var format: ListingFormat = .text

        @OptionGroup var global: GlobalOptions

        func validate() throws {
            try ListingFormat.checkTimes(since: since, until: nil)
        }

        func run() throws {
            let store = try global.openExistingStore()
            let alerts = try store.alerts(AlertListQuery(
                since: since.flatMap { TimeArgument.parse($0, now: .now) }, name: name, status: status))
            let text = format == .json ? ListingJSON.alerts(alerts) : ListingText.alerts(alerts)
            ByteOutput.standardOutput.write(Array(text.utf8))
        }
    }
}
