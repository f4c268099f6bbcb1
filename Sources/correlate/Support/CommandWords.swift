#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import CorrelateModel

/// A word where a command's name belongs that names none (and, where the default command `run`
/// would take it, no file either): a usage error, said before anything runs, so that
/// `correlate tarce 6e5bbfb4` neither reads a log file named "tarce" nor creates a store.
struct UnknownCommand: Error, CustomStringConvertible {
    var word: String
    /// The names it could have been.
    var known: [String]
    /// Whether `run` would have read it as a log file had it existed.
    var couldBeFile: Bool

    var description: String {
        var text = "unknown command '\(word)'"
        if let near = Spelling.closest(to: word, among: known) {
            text += "; did you mean '\(near)'?"
        } else {
            text += couldBeFile ? " (nor a file to read); " : "; "
            text += "commands: " + known.joined(separator: ", ")
        }
        return text
    }
}

extension Correlate {
    /// Options every command takes, which may come before the command's name
    /// (`correlate --db c.db queues`, `correlate --store clickhouse://… lookup`), with a value and without.
    static let leadingOptionsWithValue: Set<String> = ["--db", "--store", "--store-password-file", "--rules", "--config", "--color"]
    static let leadingFlags: Set<String> = ["--no-shipped-rules", "--verbose", "-v"]

    /// `arguments` with a negative number or time given as a long option's own argument
    /// (`--since -1h`, `--limit -3`) joined to it (`--since=-1h`): ArgumentParser takes a word
    /// that starts with a dash for an option, and would say the option's value is missing
    /// although the help gives `-1h` as a time. Only a word of a dash and a digit is joined,
    /// only after a long option without `=`, and nothing after `--`: a flag there takes no
    /// value and says so, as the word alone was an unknown option before.
    static func negativeValuesJoined(_ arguments: [String]) -> [String] {
        var joined: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" {
                joined += arguments[index...]
                break
            }
            if argument.hasPrefix("--"), argument.count > 2, !argument.contains("="), index + 1 < arguments.count {
                let next = arguments[index + 1].utf8
                if next.count >= 2, next.first == UInt8(ascii: "-"), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(next[next.index(after: next.startIndex)]) {
                    joined.append(argument + "=" + arguments[index + 1])
                    index += 2
                    continue
                }
            }
            joined.append(argument)
            index += 1
        }
        return joined
    }

    /// The arguments as ArgumentParser is given them: `-V` is `--version`; a command named
    /// after leading options moves to the front (without this the default command, run,
    /// would read a log file named "queues" and create the store); and a word where a
    /// command's name belongs must name one — or, for the default command, be `-` or an
    /// existing path (a log file) — also after `help`.
    /// - Throws: ``UnknownCommand``.
    static func commandFirst(
        _ arguments: [String], exists: (String) -> Bool = { access($0, F_OK) == 0 }
    ) throws(UnknownCommand) -> [String] {
        if arguments == ["-V"] { return ["--version"] }
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if leadingOptionsWithValue.contains(argument) {
                index += 2
            } else if leadingFlags.contains(argument) || leadingOptionsWithValue.contains(where: { argument.hasPrefix($0 + "=") }) {
                index += 1
            } else {
                break
            }
        }
        guard index < arguments.count else { return arguments }
        let word = arguments[index]
        let names = configuration.subcommands.map { $0._commandName }
        let path: Int
        if word == "help" {
            path = 1 + (try commandPath(arguments[(index + 1)...], under: Correlate.self))
        } else if let command = configuration.subcommands.first(where: { $0._commandName == word }) {
            path = 1 + (try commandPath(arguments[(index + 1)...], under: command))
        } else if word.hasPrefix("-") || exists(word) {
            return arguments  // an option or an input of run
        } else {
            throw UnknownCommand(word: word, known: names + ["help"], couldBeFile: true)
        }
        // `correlate --db c.db rules list` is `correlate rules list --db c.db`.
        var moved = arguments
        moved.removeSubrange(index..<(index + path))
        return Array(arguments[index..<(index + path)]) + moved
    }

    /// How many of `words` name subcommands down the tree from `command` (`rules test`,
    /// `help trace`).
    /// - Throws: ``UnknownCommand`` for a word where a subcommand's name belongs that names none.
    private static func commandPath(_ words: ArraySlice<String>, under command: ParsableCommand.Type) throws(UnknownCommand) -> Int {
        var command = command
        var count = 0
        for word in words {
            let subcommands = command.configuration.subcommands
            guard !subcommands.isEmpty, !word.hasPrefix("-") else { break }
            guard let next = subcommands.first(where: { $0._commandName == word }) else {
                throw UnknownCommand(word: word, known: subcommands.map { $0._commandName }, couldBeFile: false)
            }
            command = next
            count += 1
        }
        return count
    }
}
