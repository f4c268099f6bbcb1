import CorrelateJSON

/// The answer to an alert webhook (`POST /api/alerts/alertmanager`, `/api/alerts/grafana`):
/// `{"accepted": N, "problems": ["alert 2 has no alertname label", …]}` — how many alerts were
/// stored, and why each other one was left out.
enum AlertWebhookAnswer {
    static func json(accepted: Int, problems: [String]) -> [UInt8] {
        let out = JSONWriter(capacity: 64)
        out.raw(#"{"accepted":"#)
        out.int(accepted)
        out.raw(#","problems":"#)
        out.array(problems) { out.string($0) }
        out.byte(UInt8(ascii: "}"))
        return out.bytes
    }
}
