/// A network client's error in the words a message to the user needs. AsyncHTTPClient's and
/// SwiftNIO's errors print as their Swift values (`NIOConnectionError(host: …, connectionErrors:
/// [… ECONNREFUSED …])`); the common cases are named instead, anything else printed as it is.
public enum NetworkErrorText {
    /// "connection refused", "no answer in time", or the error as it prints.
    public static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        if ["connectionRefused", "Connection refused", "ECONNREFUSED"].contains(where: { text.containsBytes($0) }) {
            return "connection refused"
        }
        if ["readTimeout", "deadlineExceeded", "connectTimeout"].contains(where: { text.containsBytes($0) }) {
            return "no answer in time"
        }
        return text
    }
}
