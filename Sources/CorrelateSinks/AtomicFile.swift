#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CorrelateModel

/// Writes a file whole or not at all, safely even in a folder other users can write to
/// (`serve --emit dir:/shared/bundles`, `report -o /tmp/incident.html`).
///
/// The bytes go to a new temporary file in the same folder, made by `mkstemp(3)` — created with
/// `O_CREAT|O_EXCL`, so it is never an existing file and never reached through a symbolic link
/// someone planted — and written, flushed to disk, then renamed over `path`. Readers see the old
/// file or the new one, never a part.
///
/// A path the user named (`-o`, with `followingTheUsers: true`) goes where a shell's `>` would
/// when what is already there is owned by the user running correlate or by root:
/// - a device, a named pipe or a socket (`-o /dev/null`, a pipe a viewer reads) is written
///   into, never replaced;
/// - a symbolic link (`-o /dev/stdout`) is followed: to a file, which is replaced as above, or
///   to a device or pipe, which is written into.
/// Anything else at the path — and anything at all at a path correlate made up (`serve --emit
/// dir:`, where a name can be guessed) — is replaced itself, never followed or waited on, so a
/// link planted in a shared folder redirects nothing.
public enum AtomicFile {
    /// Writes `bytes` to `path` (mode 0644 for a new or replaced file); `followingTheUsers`: a
    /// path the user named (see the type).
    /// - Throws: ``OutputFileError`` naming `path` and the system's reason (no such folder, no
    ///   permission, disk full, a folder at `path`).
    public static func write(_ bytes: [UInt8], to path: String, followingTheUsers: Bool = false) throws {
        var target = path
        var info = stat()
        // Only what the user or the system made is followed or written into: a link, a pipe or
        // a device someone else planted is replaced (never followed, never waited on).
        if lstat(path, &info) == 0, followingTheUsers, info.st_uid == geteuid() || info.st_uid == 0 {
            if info.st_mode & S_IFMT == S_IFLNK {
                // A link of the user's own or the system's (`/dev/stdout`): what it points at.
                var followed = stat()
                if stat(path, &followed) == 0 {
                    switch followed.st_mode & S_IFMT {
                    case S_IFCHR, S_IFIFO, S_IFSOCK: return try writeInto(bytes, path: path)
                    case S_IFDIR: throw OutputFileError(path: path, reason: String(cString: strerror(EISDIR)))
                    default:
                        if let resolved = realpath(path, nil) {
                            target = String(cString: resolved)
                            free(resolved)
                        }
                    }
                }
            } else {
                switch info.st_mode & S_IFMT {
                case S_IFCHR, S_IFIFO, S_IFSOCK: return try writeInto(bytes, path: path)
                default: break
                }
            }
        }
        if info.st_mode & S_IFMT == S_IFDIR { throw OutputFileError(path: path, reason: String(cString: strerror(EISDIR))) }
        let slash = target.lastIndex(of: "/")
        let folder = slash.map { String(target[..<$0]) } ?? "."
        var template = Array(((folder.isEmpty ? "" : folder) + "/.correlate-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw OutputFileError(path: path, reason: String(cString: strerror(errno))) }
        let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var failure = writeAll(bytes, to: fd)
        if failure == 0, fchmod(fd, 0o644) != 0 || fsync(fd) != 0 { failure = errno }
        if close(fd) != 0, failure == 0 { failure = errno }
        if failure == 0, rename(temporary, target) != 0 { failure = errno }
        if failure != 0 {
            unlink(temporary)
            throw OutputFileError(path: path, reason: String(cString: strerror(failure)))
        }
    }

    /// Into an existing device, pipe or socket, as it is.
    private static func writeInto(_ bytes: [UInt8], path: String) throws {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw OutputFileError(path: path, reason: String(cString: strerror(errno))) }
        var failure = writeAll(bytes, to: fd)
        if close(fd) != 0, failure == 0 { failure = errno }
        if failure != 0 { throw OutputFileError(path: path, reason: String(cString: strerror(failure))) }
    }

    /// Writes all of `bytes`; the failing write's `errno`, else 0.
    private static func writeAll(_ bytes: [UInt8], to fd: Int32) -> Int32 {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let count = writeSome(fd, raw.baseAddress! + offset, raw.count - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += count
            }
            return 0
        }
    }
}

/// An output file that could not be written: `cannot write 'PATH': REASON`.
public struct OutputFileError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "cannot write '\(path)': \(reason)" }
}

/// `write(2)`, under a name the enum's own `write` does not hide.
private func writeSome(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, bytes, count)
}
