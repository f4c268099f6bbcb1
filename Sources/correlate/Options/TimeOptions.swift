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
}
