#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The inputs a command was given, with each directory replaced by the files under it.
///
/// A directory is read recursively; of its files, those whose name matches one of the globs
/// (shell wildcards, `fnmatch(3)`, matched against the file's name, not its path) are taken, in a
/// stable order: the entries of each directory sorted by name (byte order), a subdirectory's
/// files where its name sorts. Names starting with `.` are skipped (hidden files, `.git`), and
/// so are symbolic links to directories (no loops); a link to a file is read. A file or `-`
/// named on the command line is taken as it is, whatever its name.
public enum InputPaths {
    /// What a directory yields when no glob is given: logs, JSON documents and text, each also
    /// gzip- or zstd-compressed, and rotated logs (`app.log.1`, `app.log.2.gz`).
    public static let defaultGlobs: [String] = [
        "*.log", "*.log.gz", "*.log.zst", "*.log.[0-9]*",
        "*.json", "*.json.gz", "*.json.zst",
        "*.jsonl", "*.jsonl.gz", "*.jsonl.zst",
        "*.ndjson", "*.ndjson.gz", "*.ndjson.zst",
        "*.txt", "*.txt.gz", "*.txt.zst",
    ]

    /// Whether `path` names a regular file (through symbolic links): not `-` (standard input),
    /// a pipe, a FIFO, a device (`/dev/stdin`) or a directory. What it reads ends where the file
    /// does, so its records may wait for a batch to fill; a stream's must not.
    public static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return path != "-" && stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG
    }

    /// The files to read, and the directories that could not be listed or held no file to read.
    public struct Expansion: Sendable {
        public var paths: [String] = []
        public var problems: [InputError] = []
    }

    /// Replaces each directory in `given` by its files that match `globs` (see the type's
    /// documentation); files and `-` stay as they are, in order.
    public static func expand(_ given: [String], globs: [String] = defaultGlobs) -> Expansion {
        var expansion = Expansion()
        for path in given {
            guard path != "-", isDirectory(path) else {
                expansion.paths.append(path)
                continue
            }
            let before = expansion.paths.count
            walk(path, globs: globs, into: &expansion)
            if expansion.paths.count == before {
                let patterns = globs.map { "'\($0)'" }.joined(separator: ", ")
                expansion.problems.append(InputError(path: path, reason: "no file in this directory or under it matches --glob \(patterns)"))
            }
        }
        return expansion
    }

    /// Whether `path` names a directory (following a link given on the command line).
    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    private static func walk(_ directory: String, globs: [String], into expansion: inout Expansion) {
        guard let handle = opendir(directory) else {
            expansion.problems.append(InputError(path: directory, errno: errno, operation: "list"))
            return
        }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasPrefix(".") { continue }
            names.append(name)
        }
        closedir(handle)
        names.sort { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        for name in names {
            let path = prefix + name
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                walk(path, globs: globs, into: &expansion)
            case S_IFLNK:
                // A link to a file is read; a link to a directory is not followed.
                var target = stat()
                if stat(path, &target) == 0, (target.st_mode & S_IFMT) == S_IFREG, matches(name, globs) {
                    expansion.paths.append(path)
                }
            case S_IFREG:
                if matches(name, globs) { expansion.paths.append(path) }
            default:
                continue  // sockets, devices, pipes in a tree are not inputs
            }
        }
    }

    static func matches(_ name: String, _ globs: [String]) -> Bool {
        globs.contains { fnmatch($0, name, 0) == 0 }
    }
}
