//! Which database errors mean "the store cannot take writes right now" — a full disk, a
//! read-only file, an I/O error, a server that is gone or too slow — as opposed to a fault in
//! one request. The first kind is answered `storage_unavailable` and clears by itself.

use sqlx::error::DatabaseError;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// No space left for the database (SQLITE_FULL, PostgreSQL class 53).
    Full,
    /// The database file or server refuses writes.
    ReadOnly,
    /// The disk or file system reported an error.
    Io,
    /// The database server cannot be reached, or dropped the connection.
    Unreachable,
    /// The database did not answer within the configured time.
    Timeout,
}

impl Fault {
    pub fn as_str(self) -> &'static str {
        match self {
            Fault::Full => "disk_full",
            Fault::ReadOnly => "read_only",
            Fault::Io => "io_error",
            Fault::Unreachable => "unreachable",
            Fault::Timeout => "timeout",
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Fault::Full => "the disk is full",
            Fault::ReadOnly => "the database is read-only",
            Fault::Io => "the disk reported an I/O error",
            Fault::Unreachable => "the database cannot be reached",
            Fault::Timeout => "the database did not answer in time",
        })
    }
}

/// The store-wide fault behind `err`, or `None` when the error belongs to the one request.
pub fn of(err: &sqlx::Error) -> Option<Fault> {
    match err {
        sqlx::Error::Io(e) if e.kind() == std::io::ErrorKind::TimedOut => Some(Fault::Timeout),
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::Protocol(_) => {
            Some(Fault::Unreachable)
        }
        sqlx::Error::PoolTimedOut => Some(Fault::Timeout),
        sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => Some(Fault::Unreachable),
        sqlx::Error::Database(db) => {
            if let Some(e) = db.try_downcast_ref::<sqlx::sqlite::SqliteError>() {
                sqlite(DatabaseError::code(e).as_deref().unwrap_or(""))
            } else {
                postgres(db.code().as_deref().unwrap_or(""))
            }
        }
        _ => None,
    }
}

/// The error of a database call that took longer than the configured timeout.
pub fn timed_out() -> sqlx::Error {
    let e = std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer in time");
    sqlx::Error::Io(e)
}

/// SQLite result codes, extended or primary: the primary code is the low byte.
fn sqlite(code: &str) -> Option<Fault> {
    let primary = code.parse::<i64>().ok()? & 0xff;
    match primary {
        13 => Some(Fault::Full),
        8 => Some(Fault::ReadOnly),
        10 | 11 | 14 | 26 => Some(Fault::Io),
        // Busy or locked beyond busy_timeout: another process holds the file.
        5 | 6 => Some(Fault::Timeout),
        _ => None,
    }
}

/// PostgreSQL SQLSTATEs.
fn postgres(state: &str) -> Option<Fault> {
    match state {
        "25006" => Some(Fault::ReadOnly),
        "58030" => Some(Fault::Io),
        "57014" => Some(Fault::Timeout),
        "53100" => Some(Fault::Full),
        // Out of memory or connections: the server cannot take us now.
        s if s.starts_with("53") => Some(Fault::Unreachable),
        s if s.starts_with("08") || s.starts_with("57P") => Some(Fault::Unreachable),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_codes_by_their_primary_byte() {
        assert_eq!(sqlite("13"), Some(Fault::Full));
        assert_eq!(sqlite("778"), Some(Fault::Io)); // SQLITE_IOERR_WRITE
        assert_eq!(sqlite("1032"), Some(Fault::ReadOnly)); // SQLITE_READONLY_DBMOVED
        assert_eq!(sqlite("2067"), None); // SQLITE_CONSTRAINT_UNIQUE
    }

    #[test]
    fn postgres_states_by_class() {
        assert_eq!(postgres("53100"), Some(Fault::Full));
        assert_eq!(postgres("53300"), Some(Fault::Unreachable)); // too many connections
        assert_eq!(postgres("57P01"), Some(Fault::Unreachable));
        assert_eq!(postgres("08006"), Some(Fault::Unreachable));
        assert_eq!(postgres("22021"), None); // a NUL byte: the request's own fault
        assert_eq!(postgres("23505"), None);
    }

    #[test]
    fn lost_connections_and_timeouts_are_store_faults() {
        assert_eq!(of(&sqlx::Error::PoolTimedOut), Some(Fault::Timeout));
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
        assert_eq!(of(&sqlx::Error::Io(io)), Some(Fault::Unreachable));
        assert_eq!(of(&timed_out()), Some(Fault::Timeout));
        assert_eq!(of(&sqlx::Error::RowNotFound), None);
    }
}
