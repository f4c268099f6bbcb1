public import CorrelateModel
public import CorrelateJSON

/// A payload that is not alerts, or one alert in it that cannot be used.
public struct AlertDecodingError: Error, Sendable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// What one payload held.
public struct DecodedAlerts: Sendable {
    /// `alertmanager` (webhook), `grafana` (webhook), `alertmanager-api` (API v2 list or posted
    /// alerts).
    public var format: String
    public var alerts: [Alert] = []
    /// Alerts left out, each with why (no `startsAt`, `endsAt` before `startsAt`…).
    public var problems: [String] = []
}

/// Reads alerts from, detected by their shape:
/// - an Alertmanager webhook payload (`version: "4"`, several alerts, firing and resolved);
/// - a Grafana alerting webhook payload (the same alert objects, with `orgId`, `state`, `title`);
/// - an Alertmanager API v2 alert list (`GET /api/v2/alerts`: `status.state`, `fingerprint`) or
///   the alerts posted to it (no fingerprint: computed as Alertmanager does).
///
/// Unknown fields are ignored. `endsAt` of `0001-01-01T00:00:00Z` means still firing.
public enum AlertDecoder {
    public static func decode(_ document: JSONDocument) throws(AlertDecodingError) -> DecodedAlerts {
        if let items = document.array {
            var result = DecodedAlerts(format: "alertmanager-api")
            for (index, item) in items.enumerated() { add(item, index: index, payloadStatus: nil, to: &result) }
            return result
        }
        guard let items = document["alerts"]?.array else {
            throw AlertDecodingError("not alerts: expected a webhook payload with \"alerts\" or a list of alerts")
        }
        let grafana = document["orgId"] != nil || document["state"] != nil || document["title"] != nil
            || items.contains { $0["dashboardURL"] != nil || $0["valueString"] != nil }
        var result = DecodedAlerts(format: grafana ? "grafana" : "alertmanager")
        for (index, item) in items.enumerated() {
            add(item, index: index, payloadStatus: document["status"]?.string, to: &result)
        }
        return result
    }

    private static func add(_ item: JSONDocument, index: Int, payloadStatus: String?, to result: inout DecodedAlerts) {
        do {
            result.alerts.append(try alert(item, index: index, payloadStatus: payloadStatus, source: result.format))
        } catch {
            result.problems.append(error.reason)
        }
    }

    static func alert(_ item: JSONDocument, index: Int, payloadStatus: String?, source: String) throws(AlertDecodingError) -> Alert {
        guard item.members != nil else { throw AlertDecodingError("alert \(index + 1) is not an object") }
        let labels = pairs(item["labels"])
        guard let name = labels.first(where: { $0.0 == "alertname" })?.1 ?? item["name"]?.string else {
            throw AlertDecodingError("alert \(index + 1) has no alertname label")
        }
        guard let startsText = item["startsAt"]?.string, !startsText.isEmpty else {
            throw AlertDecodingError("alert \(index + 1) (\(name)) has no startsAt: cannot tell when it fired")
        }
        guard let startsAt = Timestamp.parse(startsText) else {
            throw AlertDecodingError("alert \(index + 1) (\(name)): startsAt '\(startsText)' is not an RFC 3339 time")
        }
        var endsAt: Timestamp?
        if let endsText = item["endsAt"]?.string, !endsText.isEmpty, !endsText.hasPrefix("0001-01-01") {
            guard let parsed = Timestamp.parse(endsText) else {
                throw AlertDecodingError("alert \(index + 1) (\(name)): endsAt '\(endsText)' is not an RFC 3339 time")
            }
            guard parsed >= startsAt else {
                throw AlertDecodingError("alert \(index + 1) (\(name)): endsAt \(endsText) is before startsAt \(startsText)")
            }
            endsAt = parsed
        }
        // Webhooks say firing/resolved per alert; the API says status.state.
        var status = Alert.Status.firing
        if let text = item["status"]?.string ?? payloadStatus {
            status = text == "resolved" ? .resolved : .firing
        } else if let state = item["status"]?["state"]?.string {
            status = state == "active" || state == "suppressed" || state == "unprocessed" ? .firing : .resolved
        }
        if status == .firing, item["status"] == nil, payloadStatus == nil, endsAt != nil {
            status = .firing  // a posted alert: its endsAt is when Alertmanager would resolve it
        }
        let fingerprint = item["fingerprint"]?.string.flatMap { $0.isEmpty ? nil : $0 } ?? Alert.fingerprint(of: labels)
        return Alert(
            name: name, fingerprint: fingerprint, status: status, labels: labels, annotations: pairs(item["annotations"]),
            startsAt: startsAt, endsAt: status == .resolved ? (endsAt ?? startsAt) : endsAt, source: source,
            generatorURL: item["generatorURL"]?.string)
    }

    static func pairs(_ object: JSONDocument?) -> [(String, String)] {
        (object?.members ?? []).compactMap { key, value in
            switch value {
            case .string(let text): return (key, text)
            case .number(let text): return (key, text)
            case .bool(let flag): return (key, flag ? "true" : "false")
            default: return nil
            }
        }
    }
}
