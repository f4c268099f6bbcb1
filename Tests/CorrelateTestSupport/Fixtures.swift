public import Foundation

/// Finds test data through `#filePath`, so one `Tests/Fixtures/` folder (and the shipped
/// `samples/`) serve every test target without resource declarations.
public enum Fixtures {
    /// The package's root folder.
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // CorrelateTestSupport
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()

    /// A path under the package root.
    public static func path(_ relative: String) -> String {
        packageRoot.appendingPathComponent(relative).path
    }

    /// A path under `Tests/Fixtures/`.
    public static func fixture(_ relative: String) -> String {
        path("Tests/Fixtures/" + relative)
    }

    /// A path under the Celery + Redis sample (`samples/celery-redis/`).
    public static func celery(_ relative: String) -> String {
        path("samples/celery-redis/" + relative)
    }

    /// A fresh empty folder, removed when the process ends only if the OS cleans /tmp.
    public static func temporaryDirectory(_ label: String = "correlate-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
