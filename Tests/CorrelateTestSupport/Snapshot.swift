import Foundation

/// Golden-file comparison with an explicit record mode.
///
/// The golden file is `Snapshots/<name>.txt` beside the calling test file. When it is missing,
/// or `RECORD_SNAPSHOTS` is set, the actual text is written there and the check fails, so a
/// re-record never passes silently.
/// - Returns: nil when `actual` matches, else a message that shows both.
public func snapshotMismatch(
    _ actual: String, named name: String, filePath: String = #filePath
) -> String? {
    let folder = URL(fileURLWithPath: filePath).deletingLastPathComponent()
        .appendingPathComponent("Snapshots")
    let file = folder.appendingPathComponent("\(name).txt")
    let recording = ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] != nil
    if recording || !FileManager.default.fileExists(atPath: file.path) {
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try? actual.write(to: file, atomically: true, encoding: .utf8)
        return "recorded snapshot \(file.path); run again without RECORD_SNAPSHOTS"
    }
    let expected = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
    if expected == actual { return nil }
    return """
        snapshot \(file.lastPathComponent) differs
        ──── expected ────
        \(expected)
        ──── actual ────
        \(actual)
        """
}
