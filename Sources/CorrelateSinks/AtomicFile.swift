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
        if followingTheUsers, let descriptor = standardDescriptor(path) {
            // `-o /dev/stdout` (or /dev/fd/N): that descriptor as it is, a file, pipe or socket.
            let failure = writeAll(bytes, to: descriptor)
            if failure != 0 { throw OutputFileError(path: path, reason: String(cString: strerror(failure))) }
            return
        }
        var target = path
        var info = stat()
        var exists = lstat(path, &info) == 0
        // Only what the user or the system made is followed or written into, every link of a
        // chain: a link, a pipe or a device someone else made is replaced, never followed or
        // waited on.
        func trusted(_ info: stat) -> Bool { info.st_uid == geteuid() || info.st_uid == 0 }
        if followingTheUsers, exists, trusted(info) {
            var current = path
            var hops = 0
            while info.st_mode & S_IFMT == S_IFLNK, trusted(info), hops < 40, let next = linkTarget(current) {
                current = next
                hops += 1
                exists = lstat(current, &info) == 0
                if !exists { break }
            }
            if !exists || info.st_mode & S_IFMT != S_IFLNK {
                if exists, trusted(info), [S_IFCHR, S_IFIFO, S_IFSOCK].contains(info.st_mode & S_IFMT) {
                    return try writeInto(bytes, path: current, shownAs: path, expected: info)
                }
                // A file (or none yet) at the end of the user's own links: replaced there.
                if !exists || trusted(info) { target = current }
            } else {
                // A link someone else made, or too many: the user's path itself is replaced.
                exists = lstat(path, &info) == 0
            }
        }
        if exists, info.st_mode & S_IFMT == S_IFDIR { throw OutputFileError(path: path, reason: String(cString: strerror(EISDIR))) }
        // The system's own folders hold no file of ours (`-o /dev/stdout` with standard output
        // closed must not replace the link).
        if ["/dev/", "/proc/", "/sys/"].contains(where: target.hasPrefix) {
            throw OutputFileError(path: path, reason: "it cannot be written into, and a file there is not correlate's to replace")
        }
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

    /// Into an existing device, pipe or socket, as it is: the one `lstat`/`stat` saw (`expected`),
    /// not one swapped in since; a pipe no one reads is an error at once, not a wait.
    private static func writeInto(_ bytes: [UInt8], path: String, shownAs shown: String, expected: stat) throws {
        let fd = open(path, O_WRONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW)
        guard fd >= 0 else {
            let reason = errno == ENXIO ? "no one is reading the pipe" : String(cString: strerror(errno))
            throw OutputFileError(path: shown, reason: reason)
        }
        var opened = stat()
        guard fstat(fd, &opened) == 0, opened.st_dev == expected.st_dev, opened.st_ino == expected.st_ino else {
            close(fd)
            throw OutputFileError(path: shown, reason: "it was replaced while it was being opened")
        }
        // Blocking writes from here on: a pipe's reader may be slower than correlate.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        var failure = writeAll(bytes, to: fd)
        if close(fd) != 0, failure == 0 { failure = errno }
        if failure != 0 { throw OutputFileError(path: shown, reason: String(cString: strerror(failure))) }
    }

    /// Where the link at `path` points, as a path (relative to the link's folder when the
    /// link is relative); nil when it cannot be read.
    private static func linkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if text.hasPrefix("/") { return text }
        let folder = path.lastIndex(of: "/").map { String(path[...$0]) } ?? ""
        return folder + text
    }

    /// The descriptor `/dev/stdout`, `/dev/stderr`, `/dev/fd/N` or `/proc/self/fd/N` names,
    /// when it is open; nil for any other path.
    static func standardDescriptor(_ path: String) -> Int32? {
        let number: Int32?
        switch path {
        case "/dev/stdout": number = 1
        case "/dev/stderr": number = 2
        default:
            let prefix = ["/dev/fd/", "/proc/self/fd/"].first { path.hasPrefix($0) }
            number = prefix.flatMap { Int32(path.dropFirst($0.count)) }
        }
        guard let number, number >= 0, fcntl(number, F_GETFD) != -1 else { return nil }
        return number
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
