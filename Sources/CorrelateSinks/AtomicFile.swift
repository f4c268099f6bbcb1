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
/// someone planted — and written, flushed to disk, then renamed over `path`. `rename(2)`
/// replaces a link at `path` itself, never the file it points to. Readers see the old file or
/// the new one, never a part.
public enum AtomicFile {
    /// Writes `bytes` to `path` (mode 0644).
    /// - Throws: ``InputFileError`` naming `path` and the system's reason (no such folder, no
    ///   permission, disk full).
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[..<$0]) } ?? "."
        var template = Array(((folder.isEmpty ? "" : folder) + "/.correlate-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw InputFileError(path: path, reason: String(cString: strerror(errno))) }
        let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var failure: Int32 = 0
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let count = writeSome(fd, raw.baseAddress! + offset, raw.count - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += count
            }
        }
        if failure == 0, fchmod(fd, 0o644) != 0 || fsync(fd) != 0 { failure = errno }
        if close(fd) != 0, failure == 0 { failure = errno }
        if failure == 0, rename(temporary, path) != 0 { failure = errno }
        if failure != 0 {
            unlink(temporary)
            throw InputFileError(path: path, reason: String(cString: strerror(failure)))
        }
    }
}

/// `write(2)`, under a name the enum's own `write` does not hide.
private func writeSome(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, bytes, count)
}
