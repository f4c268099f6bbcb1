import Foundation
import Testing
import CorrelateDecode
import CorrelateModel
import CorrelateTestSupport
import CorrelateJSON

private func decode(_ path: String) throws -> DecodedAlerts {
    try AlertDecoder.decode(try JSONDocument.parse(try String(contentsOfFile: path, encoding: .utf8)))
}

@Suite struct AlertDecoderTests {
    @Test func alertmanagerWebhookFiringPayload() throws {
        let decoded = try decode(Fixtures.celery("alerts/alertmanager-webhook.json"))
        #expect(decoded.format == "alertmanager")
        #expect(decoded.alerts.map(\.name) == ["ErrorRateHigh", "JobLatencyHigh"])
        let latency = decoded.alerts[1]
        #expect(latency.fingerprint == "11d7c3d7e168b8e8")
        #expect(latency.status == .firing)
        #expect(latency.endsAt == nil)  // 0001-01-01T00:00:00Z: still firing
        #expect(latency.startsAt == Timestamp.parse("2026-11-25T08:32:29Z"))
        #expect(latency.label("queue") == "exports")
        #expect(latency.annotation("summary") == "Celery task latency high on queue exports")
    }

    /// An NDJSON file of payloads written on Windows (CR LF) is read payload by payload, and
    /// its lines are numbered as in an editor.
    @Test func aCRLFFileOfPayloadsIsReadLineByLine() throws {
        let one = try String(contentsOfFile: Fixtures.celery("alerts/alertmanager-webhook.json"), encoding: .utf8)
        let compact = one.replacingOccurrences(of: "\n", with: " ")  // JSON strings hold no raw line feed
        let decoded = AlertFiles.decode(compact + "\r\n" + compact + "\r\n\r\nnot json\r\n", name: "alerts.ndjson")
        #expect(decoded.payloads == 2)
        #expect(decoded.alerts.count == 4)
        #expect(decoded.problems.map(\.location.line) == [4])
    }

    @Test func resolvedPayloadCarriesTheRealEnd() throws {
        let decoded = try decode(Fixtures.celery("alerts/alertmanager-webhook-resolved.json"))
        #expect(decoded.alerts.allSatisfy { $0.status == .resolved })
        #expect(decoded.alerts.first { $0.name == "ErrorRateHigh" }?.endsAt == Timestamp.parse("2026-11-25T08:32:52Z"))
    }

    @Test func postedAlertsGetAlertmanagersFingerprint() throws {
        // What the harness posted to /api/v2/alerts has no fingerprint: computing it the way
        // Alertmanager does gives the webhook's.
        let posted = try decode(Fixtures.celery("alerts/posted-alerts.json"))
        let webhook = try decode(Fixtures.celery("alerts/alertmanager-webhook.json"))
        #expect(posted.format == "alertmanager-api")
        #expect(Set(posted.alerts.map(\.fingerprint)) == Set(webhook.alerts.map(\.fingerprint)))
    }

    @Test func grafanaWebhook() throws {
        let decoded = try decode(Fixtures.fixture("alerts/grafana-webhook.json"))
        #expect(decoded.format == "grafana")
        let alert = try #require(decoded.alerts.first)
        #expect(alert.name == "ExportErrors")
        #expect(alert.fingerprint == "1c2d3e4f5a6b7c8d")
        #expect(alert.source == "grafana")
        #expect(alert.endsAt == nil)
    }

    @Test func apiListWithBadAlertsKeepsTheGoodOnesAndSaysWhy() throws {
        let decoded = try decode(Fixtures.fixture("alerts/alertmanager-api-v2.json"))
        #expect(decoded.alerts.map(\.name) == ["JobLatencyHigh"])
        #expect(decoded.alerts[0].endsAt == Timestamp.parse("2026-11-25T08:37:50Z"))
        #expect(decoded.problems.count == 2)
        #expect(decoded.problems.contains { $0.contains("Backwards") && $0.contains("is before startsAt") })
        #expect(decoded.problems.contains { $0.contains("NoStart") && $0.contains("no startsAt") })
    }

    @Test func notAlertsIsAnError() {
        #expect(throws: AlertDecodingError.self) { _ = try AlertDecoder.decode(try JSONDocument.parse(#"{"resourceSpans": []}"#)) }
    }

    @Test func fingerprintMatchesAlertmanager() {
        let labels = [("alertname", "ErrorRateHigh"), ("instance", "celery-exporter:9808"), ("job", "celery-worker"),
                      ("queue", "celery"), ("severity", "critical"), ("task", "jobs.tasks.resize_image")]
        #expect(Alert.fingerprint(of: labels) == "9a7e0af7cb7e7cc2")
        #expect(Alert.fingerprint(of: labels.reversed()) == "9a7e0af7cb7e7cc2")
    }

    @Test(arguments: [("5m", Int64(300_000_000_000)), ("90s", 90_000_000_000), ("1h30m", 5_400_000_000_000),
                      ("500ms", 500_000_000), ("2d", 172_800_000_000_000)])
    func durations(text: String, nanoseconds: Int64) {
        #expect(DurationText.nanoseconds(text) == nanoseconds)
    }

    @Test(arguments: ["", "5", "m", "5x", "1.5h", "-5m"])
    func notDurations(text: String) {
        #expect(DurationText.nanoseconds(text) == nil)
    }
}
