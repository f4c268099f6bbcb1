public import CorrelateModel
public import CorrelateStore
public import CorrelateClickHouse

/// The ``EventStore`` implementations, for tests that must hold for each: parameterize with
/// `@Test(arguments: StoreKind.allCases)` and make the store with ``makeStore()``.
public enum StoreKind: String, CaseIterable, Sendable, CustomStringConvertible {
    /// `SQLiteEventStore`, in a file of a fresh temporary folder.
    case sqlite
    /// `MemoryEventStore`.
    case memory
    /// `SQLiteEventStore` sealing a segment every 3 rows, so that nearly every query fans out
    /// over several segment files and every key meets its duplicates in another segment.
    case segmented
    /// `ClickHouseEventStore` on a database of its own of the shared ``ClickHouseFront`` (chDB),
    /// its tables made by `correlate store init`'s DDL.
    case clickhouse

    public var description: String { rawValue }

    /// A new, empty store of this kind.
    public func makeStore() throws -> EventStore {
        switch self {
        case .sqlite:
            try SQLiteEventStore(path: Fixtures.temporaryDirectory("store").appendingPathComponent("store.db").path)
        case .memory:
            MemoryEventStore()
        case .segmented:
            try SQLiteEventStore(path: Fixtures.temporaryDirectory("store").appendingPathComponent("store.db").path,
                                 limits: StoreLimits(segmentRows: 3))
        case .clickhouse:
            try Self.clickhouseStore()
        }
    }

    /// A store on a fresh database of the shared front, with the exporter's tables.
    public static func clickhouseStore(database: String = ClickHouseFront.freshDatabase()) throws -> ClickHouseEventStore {
        let endpoint = try ClickHouseFront.shared.get().endpoint(database: database)
        _ = try ClickHouseEventStore.initialize(endpoint: endpoint, retain: nil)
        return try ClickHouseEventStore(endpoint: endpoint, access: .write)
    }
}
