import Foundation
internal import CSQLite

/// Copies the WAL back into the database on a thread and connection of its own, so the writer
/// never stops for a checkpoint's writes and `fsync`.
///
/// The writing connection's automatic checkpoints are turned off; after each commit its WAL
/// hook wakes this thread once the WAL holds `threshold` pages (16 MiB of 16 KiB pages), and a
/// PASSIVE checkpoint runs beside the writer (it never blocks it). Should the WAL still grow
/// past 16 × `threshold` pages, the writer checkpoints itself, as SQLite's own automatic
/// checkpoint would.
final class Checkpointer: @unchecked Sendable {
    // Unchecked: `pending` and `stopping` are used under `condition`'s lock; `connection` only
    // on the checkpointing thread.
    private let path: String
    private let threshold: Int32
    private let condition = NSCondition()
    private var pending = false
    private var stopping = false
    private var stopped = false

    init(writer: Database, threshold: Int32 = 1024) throws(SQLiteError) {
        path = writer.path
        self.threshold = threshold
        try writer.execute("PRAGMA wal_autocheckpoint = 0")
        sqlite3_wal_hook(writer.handle, { context, db, _, pages in
            guard let context else { return SQLITE_OK }
            let checkpointer = Unmanaged<Checkpointer>.fromOpaque(context).takeUnretainedValue()
            if pages >= checkpointer.threshold * 16 {
                sqlite3_wal_checkpoint_v2(db, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            } else if pages >= checkpointer.threshold {
                checkpointer.request()
            }
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
        let thread = Thread { [self] in run() }
        thread.name = "correlate.checkpoint"
        thread.start()
    }

    private func request() {
        condition.lock()
        pending = true
        condition.signal()
        condition.unlock()
    }

    /// Stops the thread (the connection's close checkpoints what is left). The writer must have
    /// cleared the WAL hook first.
    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        while !stopped { condition.wait() }
        condition.unlock()
    }

    private func run() {
        var connection = try? Database(path: path)
        // A connection finds the WAL on its first read; until then a checkpoint does nothing.
        _ = try? connection?.integer("SELECT count(*) FROM sqlite_master")
        while true {
            condition.lock()
            while !pending && !stopping { condition.wait() }
            let last = stopping
            pending = false
            condition.unlock()
            if last { break }
            if let connection { sqlite3_wal_checkpoint_v2(connection.handle, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil) }
        }
        // Closed before `stop()` returns, so that the writer's connection is the last one (its
        // close then checkpoints and removes the WAL).
        connection = nil
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }
}
