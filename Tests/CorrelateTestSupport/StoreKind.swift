public import CorrelateModel
public import CorrelateStore

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
        }
    }

    /// How this kind prepares spans for `insert(prepared:)`, without a store at hand.
    public var spanPreparation: @Sendable ([Span]) -> PreparedSpans {
        switch self {
        case .sqlite, .segmented: SQLiteEventStore.prepare
        case .memory: MemoryEventStore.prepare
        }
    }
}
