/// Where something came from: a file (or `<stdin>`), a 1-based line and optionally a 1-based
/// column.
public struct SourceLocation: Hashable, Sendable, Codable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int?

    public init(file: String, line: Int, column: Int? = nil) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line` or `file:line:column`.
    public var description: String {
        if let column { return "\(file):\(line):\(column)" }
        return "\(file):\(line)"
    }

    /// The name used for standard input in locations and records.
    public static let stdinName = "<stdin>"
}

/// Something in an input that could not be used — a malformed document, an alert left out —
/// with where it is and why. Counted and reported with its location; the rest goes on.
public struct InputProblem: Sendable, Equatable, CustomStringConvertible {
    public var location: SourceLocation
    /// One sentence, without the location.
    public var reason: String

    public init(_ location: SourceLocation, _ reason: String) {
        self.location = location
        self.reason = reason
    }

    /// `file:line: reason`.
    public var description: String { "\(location): \(reason)" }
}

/// A file that could not be read.
public struct InputFileError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "cannot read '\(path)': \(reason)" }
}

