/// The catalog's schema, as numbered migrations: a database records the last one it ran in
/// `meta.schema_version`, and opening it runs the ones after.
///
/// Keys: a log record's `id` is `source id << 32 | first line`, so writing the same lines of the
/// same file again hits the primary key; spans are keyed by (trace id, span id) (a unique
/// index, never dropped); raw alerts like log records. Ids are blobs (16 and 8 bytes, big-endian).
enum Schema {
    static let migrations: [String] = [
        // 1: the first schema.
        """
        CREATE TABLE sources (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL UNIQUE
        );
        \(logsTable("logs"))
        CREATE TABLE spans (
            trace_id BLOB NOT NULL,
            span_id BLOB NOT NULL,
            parent_span_id BLOB,
            name TEXT NOT NULL,
            kind INTEGER NOT NULL,
            start INTEGER NOT NULL,
            end INTEGER NOT NULL,
            status INTEGER NOT NULL,
            status_message TEXT,
            service TEXT,
            message_id TEXT,
            attributes TEXT NOT NULL,
            resource TEXT NOT NULL,
            events TEXT NOT NULL,
            links TEXT NOT NULL,
            PRIMARY KEY (trace_id, span_id)
        ) WITHOUT ROWID;
        CREATE TABLE raw_alerts (
            id INTEGER PRIMARY KEY,
            body TEXT NOT NULL
        );
        """,
        // 2: alerts, by (fingerprint, startsAt).
        """
        CREATE TABLE alerts (
            fingerprint TEXT NOT NULL,
            starts_at INTEGER NOT NULL,
            ends_at INTEGER,
            status TEXT NOT NULL,
            name TEXT NOT NULL,
            labels TEXT NOT NULL,
            annotations TEXT NOT NULL,
            source TEXT NOT NULL,
            generator_url TEXT,
            PRIMARY KEY (fingerprint, starts_at)
        ) WITHOUT ROWID;
        CREATE INDEX alerts_name ON alerts (name, starts_at);
        CREATE INDEX alerts_starts ON alerts (starts_at);
        """,
        // 3: the time index of logs carries the trace id (a window's trace ids without reading
        // its rows), and unlinked lines get an index of their own (see `indexes`).
        """
        DROP INDEX IF EXISTS logs_ts;
        """,
        // 4: spans in a rowid table (rows appended in arrival order; the key is a unique index of
        // small entries, so a batch of random trace ids rewrites index pages, not pages of whole
        // rows), and each resource's attributes stored once.
        """
        \(resourcesTable("resources"))
        INSERT OR IGNORE INTO resources (json) SELECT resource FROM spans ORDER BY start;
        \(spansTable("spans_v4"))
        INSERT INTO spans_v4
            SELECT trace_id, span_id, parent_span_id, name, kind, start, end, status, status_message, service,
                   message_id, attributes, (SELECT id FROM resources WHERE json = spans.resource), events, links
            FROM spans ORDER BY start;
        DROP TABLE spans;
        ALTER TABLE spans_v4 RENAME TO spans;
        CREATE UNIQUE INDEX spans_key ON spans (trace_id, span_id);
        """,
        // 5: the traces each trace's spans link to (a consumer that starts a new trace links to
        // its producer), so that the producer's trace finds its consumers; the linked trace as
        // lowercase hex, as the links' JSON has it.
        """
        \(spanLinksTable("span_links"))
        INSERT OR IGNORE INTO span_links (linked_trace, trace_id)
            SELECT json_extract(link.value, '$.trace_id'), spans.trace_id FROM spans, json_each(spans.links) AS link
            WHERE spans.links != '[]' AND json_extract(link.value, '$.trace_id') IS NOT NULL
              AND json_extract(link.value, '$.trace_id') != lower(hex(spans.trace_id));
        """,
        // 6: segments. Log records and spans are written to segment files beside the catalog
        // (`STORE-segments/`); this file keeps the sources, alerts and the list of segments
        // with their bounds. What the file held before is segment 0 (its bounds are measured
        // when the store is opened: `rows` NULL).
        """
        CREATE TABLE segments (
            id INTEGER PRIMARY KEY,
            file TEXT,
            sealed INTEGER NOT NULL,
            rows INTEGER,
            first_time INTEGER,
            last_time INTEGER,
            span_first INTEGER,
            span_last INTEGER,
            log_rows INTEGER,
            log_first INTEGER,
            log_last INTEGER
        );
        CREATE TABLE segment_sources (
            segment INTEGER NOT NULL,
            source INTEGER NOT NULL,
            first_line INTEGER NOT NULL,
            last_line INTEGER NOT NULL,
            PRIMARY KEY (segment, source)
        ) WITHOUT ROWID;
        INSERT INTO segments (id, file, sealed, rows) VALUES (0, NULL, 1, NULL);
        """,
    ]

    /// The tables of a segment file: those of the catalog that hold records (as migrations
    /// 1–5 left them), and a `meta` table with the file's `segment_format`.
    static let segmentTables = """
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        \(logsTable("IF NOT EXISTS logs"))
        \(resourcesTable("IF NOT EXISTS resources"))
        \(spansTable("IF NOT EXISTS spans"))
        CREATE UNIQUE INDEX IF NOT EXISTS spans_key ON spans (trace_id, span_id);
        \(spanLinksTable("IF NOT EXISTS span_links"))
        """

    // The record tables as migrations 1, 4 and 5 made them; segment files have the same.

    private static func logsTable(_ name: String) -> String {
        """
        CREATE TABLE \(name) (
            id INTEGER PRIMARY KEY,
            ts INTEGER,
            trace_id BLOB,
            span_id BLOB,
            job_id TEXT,
            severity TEXT,
            service TEXT,
            host TEXT,
            rule TEXT,
            message TEXT NOT NULL,
            lines INTEGER NOT NULL
        );
        """
    }

    private static func resourcesTable(_ name: String) -> String {
        """
        CREATE TABLE \(name) (
            id INTEGER PRIMARY KEY,
            json TEXT NOT NULL UNIQUE
        );
        """
    }

    private static func spansTable(_ name: String) -> String {
        """
        CREATE TABLE \(name) (
            trace_id BLOB NOT NULL,
            span_id BLOB NOT NULL,
            parent_span_id BLOB,
            name TEXT NOT NULL,
            kind INTEGER NOT NULL,
            start INTEGER NOT NULL,
            end INTEGER NOT NULL,
            status INTEGER NOT NULL,
            status_message TEXT,
            service TEXT,
            message_id TEXT,
            attributes TEXT NOT NULL,
            resource_id INTEGER NOT NULL REFERENCES resources (id),
            events TEXT NOT NULL,
            links TEXT NOT NULL
        );
        """
    }

    private static func spanLinksTable(_ name: String) -> String {
        """
        CREATE TABLE \(name) (
            linked_trace TEXT NOT NULL,
            trace_id BLOB NOT NULL,
            PRIMARY KEY (linked_trace, trace_id)
        ) WITHOUT ROWID;
        """
    }

    /// The layout of segment files; a file of a newer format is refused.
    static let segmentFormat = 1

    /// The oldest catalog schema a read-only open can read without migrating it: 5 has the
    /// final record tables, read as segment 0 alone.
    static let oldestReadable = 5

    static var version: Int { migrations.count }

    /// The secondary indexes, created when missing each time a store is opened (a bulk load
    /// drops them and builds them again at its end).
    static let indexes: [(name: String, definition: String)] = [
        ("logs_trace", "logs (trace_id) WHERE trace_id IS NOT NULL"),
        ("logs_job", "logs (job_id) WHERE job_id IS NOT NULL"),
        // Covers "which trace ids have log lines in this window".
        ("logs_ts_trace", "logs (ts, trace_id)"),
        // The unlinked lines of a window, without reading the linked ones.
        ("logs_unlinked", "logs (ts) WHERE trace_id IS NULL AND job_id IS NULL"),
        ("spans_start", "spans (start)"),
        ("spans_message", "spans (message_id) WHERE message_id IS NOT NULL"),
    ]
}
