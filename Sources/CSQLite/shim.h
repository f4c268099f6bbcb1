#ifndef CORRELATE_CSQLITE_SHIM_H
#define CORRELATE_CSQLITE_SHIM_H

#include <sqlite3.h>

// SQLITE_TRANSIENT is a cast of -1 to a function pointer, which Swift does not import.
/// The destructor value that makes SQLite copy bound text and blobs at once.
static inline sqlite3_destructor_type correlate_sqlite_transient(void) { return SQLITE_TRANSIENT; }

// sqlite3_db_config is variadic, which Swift cannot call.
/// Turns defensive mode on or off (sqlite3_db_config with SQLITE_DBCONFIG_DEFENSIVE).
static inline int correlate_sqlite_set_defensive(sqlite3 *db, int on) {
    return sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, on, (int *)0);
}

// sqlite3_config is variadic too.
/// Turns off SQLite's memory statistics (SQLITE_CONFIG_MEMSTATUS), which correlate never reads:
/// with them on, every allocation and free inside SQLite takes one process-wide mutex. Only
/// effective before SQLite initialises itself (SQLITE_MISUSE after that, and nothing changes).
static inline int correlate_sqlite_configure(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

#endif
