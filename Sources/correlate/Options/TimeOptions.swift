import ArgumentParser
import CorrelateModel

/// `--since` and `--until` as `journalctl` takes them (``TimeExpression``): `report` and
/// `queues`.
enum TimeOptions {
    /// What the help of both options says about the values they take.
    static let forms = "\(TimeExpression.examples); a date or time without a zone is local time"

    /// The time `text` names, `now` being now.
    /// - Throws: `ValidationError` naming the option and the forms it takes.
    static func parse(_ text: String, option: String, now: Timestamp) throws -> Timestamp {
        guard let time = TimeExpression.parse(text, now: now) else {
            throw ValidationError("\(option) '\(text)' is not a time: give one such as \(forms).")
        }
        return time
    }

    /// - Throws: `ValidationError` when `start` is after `end`.
    static func checkOrder(_ start: Timestamp, _ end: Timestamp, untilGiven: Bool) throws {
        guard start <= end else {
            throw ValidationError("--since \(start) is after --until \(untilGiven ? "" : "(now) ")\(end).")
        }
    }

    /// The range of `--since`/`--until` for the commands over the stored spans (`queues`,
    /// `traces`): `--until`, else now with `--since`, else one past the newest span's start (so
    /// a store of last week's data reads its own last hour or day); `--since`, else `length`
    /// before the end.
    /// - Throws: `ValidationError` for a time no parser takes, or a start after the end.
    static func range(since: String?, until: String?, store: EventStore, length: Int64) throws -> (start: Timestamp, end: Timestamp) {
        let now = Timestamp.now
        let end: Timestamp
        if let until {
            end = try parse(until, option: "--until", now: now)
        } else if since != nil {
            end = now
        } else {
            end = (try store.latestSpanStart() ?? now).advanced(by: 1)
        }
        let start = try since.map { try parse($0, option: "--since", now: now) } ?? end.advanced(by: -length)
        try checkOrder(start, end, untilGiven: until != nil)
        return (start, end)
    }
}
