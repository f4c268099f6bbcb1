import Foundation

/// Golden-file comparison with an explicit record mode.
///
/// The golden file is `Snapshots/<name>.<fileExtension>` beside the calling test file (`txt`
/// unless told: `json`, `md`, `html` let an editor or a diff viewer show a golden as what it
/// is). When it is missing,
/// or `RECORD_SNAPSHOTS` is set, the actual text is written there and the check fails, so a
/// re-record never passes silently.
/// - Returns: nil when `actual` matches, else a message that shows both.
public func snapshotMismatch(
    _ actual: String, named name: String, fileExtension: String = "txt", filePath: String = #filePath
) -> String? {
    let folder = URL(fileURLWithPath: filePath).deletingLastPathComponent()
        .appendingPathComponent("Snapshots")
    let file = folder.appendingPathComponent("\(name).\(fileExtension)")
    let recording = ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] != nil
    if recording || !FileManager.default.fileExists(atPath: file.path) {
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try? actual.write(to: file, atomically: true, encoding: .utf8)
        return "recorded snapshot \(file.path); run again without RECORD_SNAPSHOTS"
    }
    let expected = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
    // Bytes, not String ==, which holds canonically equivalent texts (é as one scalar or two)
    // equal.
    if expected.utf8.elementsEqual(actual.utf8) { return nil }
    let head = "snapshot \(file.lastPathComponent) differs\n" + firstDifference(expected, actual)
    // Large goldens (a bundle as HTML) are not dumped whole: the first differing line says
    // where, and re-recording then `git diff` shows all of it.
    guard expected.count + actual.count <= 8_000 else {
        return head + "\n(whole texts not shown: re-record with RECORD_SNAPSHOTS=1 and read `git diff` of \(file.path))"
    }
    return """
        \(head)
        ──── expected ────
        \(expected)
        ──── actual ────
        \(actual)
        """
}

/// The first line where two texts differ, numbered from 1, as `- expected` / `+ actual`.
func firstDifference(_ expected: String, _ actual: String) -> String {
    let old = expected.split(separator: "\n", omittingEmptySubsequences: false)
    let new = actual.split(separator: "\n", omittingEmptySubsequences: false)
    let index = zip(old, new).enumerated().first { !$0.element.0.utf8.elementsEqual($0.element.1.utf8) }?.offset
        ?? min(old.count, new.count)
    func line(_ lines: [Substring]) -> String { index < lines.count ? String(lines[index]) : "(no line: the text ends)" }
    return "first difference at line \(index + 1):\n- \(line(old))\n+ \(line(new))"
}
