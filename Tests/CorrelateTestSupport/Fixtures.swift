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

    /// A fresh empty folder, inside one folder of this test process that is removed when the
    /// process exits (`atexit`; a crashed run leaves it, `correlate-tests-PID` in the system's
    /// temporary folder).
    public static func temporaryDirectory(_ label: String = "correlate-test") throws -> URL {
        let url = testRoot.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// This process's folder of temporary folders, made on first use.
    static let testRoot: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("correlate-tests-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.removeItem(at: url)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { Fixtures.removeTestRoot() }
        return url
    }()

    /// Removes the folder and everything in it, also folders a test made unreadable (each
    /// folder is made the owner's again before its contents are listed).
    static func removeTestRoot() {
        let root = testRoot.path
        if let walker = FileManager.default.enumerator(atPath: root) {
            while let relative = walker.nextObject() as? String {
                // Folders only, never through a link (a test's link may point at /dev/null).
                var info = stat()
                let path = root + "/" + relative
                if lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR { chmod(path, 0o700) }
            }
        }
        try? FileManager.default.removeItem(atPath: root)
    }
}
