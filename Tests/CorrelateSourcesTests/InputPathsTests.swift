import Foundation
import Testing
import CorrelateSources
import CorrelateTestSupport

@Suite struct InputPathsTests {
    /// A tree of files (paths relative to its root, each with a line of text).
    func tree(_ files: [String]) throws -> URL {
        let root = try Fixtures.temporaryDirectory("tree")
        for file in files {
            let url = root.appendingPathComponent(file)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try "line\n".write(to: url, atomically: true, encoding: .utf8)
        }
        return root
    }

    /// Recursively, in name order (a subdirectory's files where its name sorts), the default
    /// globs: logs, JSON, rotated and compressed logs; not hidden files, not other names.
    @Test func aDirectoryIsReadRecursivelyInNameOrderWithTheDefaultGlobs() throws {
        let root = try tree([
            "worker.log", "api.json", "b/nested.ndjson", "a/deep/x.jsonl.zst", "app.log.1", "app.log.2.gz",
            "notes.md", "core.dump", ".hidden.log", ".git/HEAD.log", "Z.txt", "events.jsonl.gz",
        ])
        let expansion = InputPaths.expand([root.path])
        #expect(expansion.problems.isEmpty)
        let relative = expansion.paths.map { String($0.dropFirst(root.path.count + 1)) }
        #expect(relative == ["Z.txt", "a/deep/x.jsonl.zst", "api.json", "app.log.1", "app.log.2.gz", "b/nested.ndjson",
                             "events.jsonl.gz", "worker.log"])
    }

    /// `--glob` replaces the default; a file named on the command line is read whatever its
    /// name; `-` stays; the order given is kept.
    @Test func globsChooseAndGivenFilesStay() throws {
        let root = try tree(["one.out", "two.out", "three.log", "sub/four.out"])
        let given = root.appendingPathComponent("three.log").path
        let expansion = InputPaths.expand(["-", root.path + "/", given], globs: ["*.out"])
        #expect(expansion.paths == ["-", root.path + "/one.out", root.path + "/sub/four.out", root.path + "/two.out", given])
        #expect(expansion.problems.isEmpty)
    }

    /// A directory with nothing to read is said (it is an input that yields nothing), with the
    /// globs in force.
    @Test func aDirectoryWithoutAMatchingFileIsAProblem() throws {
        let root = try tree(["README.md"])
        let expansion = InputPaths.expand([root.path], globs: ["*.log"])
        #expect(expansion.paths.isEmpty)
        #expect(expansion.problems.map(\.description) == ["cannot read '\(root.path)': no file in this directory or under it matches --glob '*.log'"])
    }

    /// A link to a file is read; a link to a directory is not followed (no loop).
    @Test func linksToFilesAreReadLinksToDirectoriesAreNot() throws {
        let root = try tree(["real/a.log"])
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("loop").path, withDestinationPath: root.path)
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("b.log").path,
                                                   withDestinationPath: root.appendingPathComponent("real/a.log").path)
        let expansion = InputPaths.expand([root.path])
        #expect(expansion.paths == [root.path + "/b.log", root.path + "/real/a.log"])
    }

    @Test(arguments: ["app.log", "app.log.gz", "app.log.zst", "app.log.1", "app.log.12.gz", "x.json", "x.json.zst", "x.jsonl",
                      "x.ndjson.gz", "x.txt"])
    func theDefaultGlobsTakeLogsAndTheirCompressedAndRotatedForms(_ name: String) {
        #expect(InputPaths.defaultGlobs.contains { fnmatch($0, name, 0) == 0 })
    }

    @Test(arguments: ["app.md", "app.log~", "x.yaml", "x.pb.tmp", "core"])
    func theDefaultGlobsLeaveOtherFiles(_ name: String) {
        #expect(!InputPaths.defaultGlobs.contains { fnmatch($0, name, 0) == 0 })
    }
}
