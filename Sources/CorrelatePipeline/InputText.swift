public import CorrelateModel
public import CorrelateSources

/// Inputs read whole as text (alert payloads), through the one way inputs are opened
/// (``InputFile``: standard input for `-`, gzip and zstd decompressed).
public enum InputText {
    /// The text of `path` (`-`: standard input); `name` is how problems name it. Damaged
    /// compressed data gives the complete lines before the damage, and the damage (with the
    /// line reached) is appended to `unreadable`; nil when nothing could be read.
    public static func read(path: String, name: String, unreadable: inout [InputError]) -> String? {
        bytes(path: path, name: name, unreadable: &unreadable).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The same, as the bytes read (a followed file's offset counts them).
    public static func bytes(path: String, name: String, unreadable: inout [InputError]) -> [UInt8]? {
        let input: InputFile
        do {
            input = try InputFile.open(path, name: name)
        } catch let error as InputError {
            unreadable.append(error)
            return nil
        } catch {
            return nil
        }
        var (bytes, error) = input.readAll()
        if let error {
            // The line the damage cut is left out.
            let whole = bytes.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
            bytes.removeSubrange(whole...)
            unreadable.append(error.at(line: bytes.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }))
            if bytes.isEmpty { return nil }
        }
        return bytes
    }
}
