public import Foundation

/// The files of a store on disk: its catalog and the segment files beside it.
public enum StoreFiles {
    /// The segment files (`*.db`) in the store's folder of segments, by name.
    public static func segments(_ store: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: store + "-segments")) ?? []).filter { $0.hasSuffix(".db") }.sorted()
    }

    /// Bytes of every file of the store (catalog, segments, their WALs).
    public static func bytes(_ store: String) -> Int {
        func size(_ path: String) -> Int { ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0 }
        let folder = store + "-segments"
        let inFolder = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).reduce(0) { $0 + size(folder + "/" + $1) }
        return size(store) + size(store + "-wal") + inFolder
    }
}
