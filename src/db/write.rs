//! Write transactions that never outlive a failure. Transaction control is plain SQL on a
//! connection taken from the write pool; a transaction that fails anywhere — a statement, the
//! COMMIT, a timeout that drops it — closes its connection instead of handing it back.
//!
//! Why: sqlx counts transaction depth itself and lowers the count only when COMMIT or ROLLBACK
//! succeeds. When SQLite rolls a transaction back by itself (it does after some SQLITE_FULL
//! commits), the ROLLBACK that follows fails, the count stays at one, and every later `begin()`
//! becomes a SAVEPOINT nested in a transaction that is never committed — while each "commit"
//! answers Ok. A connection whose state is in doubt is therefore never reused.

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection};
use std::ops::{Deref, DerefMut};

pub struct WriteTx {
    conn: PoolConnection<Any>,
    finished: bool,
}

impl WriteTx {
    pub(super) async fn begin(mut conn: PoolConnection<Any>, sql: &str) -> sqlx::Result<Self> {
        if let Err(e) = sqlx::query(sql).execute(&mut *conn).await {
            conn.close_on_drop();
            return Err(e);
        }
        Ok(Self {
            conn,
            finished: false,
        })
    }

    /// Marks a point to roll back to without losing the rest of the transaction.
    pub async fn savepoint(&mut self, name: &str) -> sqlx::Result<()> {
        self.exec(&format!("SAVEPOINT {name}")).await
    }

    pub async fn release(&mut self, name: &str) -> sqlx::Result<()> {
        self.exec(&format!("RELEASE SAVEPOINT {name}")).await
    }

    /// Undoes everything since the savepoint; the transaction stays usable (also on PostgreSQL,
    /// where an error otherwise aborts the whole transaction).
    pub async fn rollback_to(&mut self, name: &str) -> sqlx::Result<()> {
        self.exec(&format!("ROLLBACK TO SAVEPOINT {name}")).await
    }

    pub async fn commit(mut self) -> sqlx::Result<()> {
        self.exec("COMMIT").await?;
        self.finished = true;
        Ok(())
    }

    pub async fn rollback(mut self) -> sqlx::Result<()> {
        self.exec("ROLLBACK").await?;
        self.finished = true;
        Ok(())
    }

    async fn exec(&mut self, sql: &str) -> sqlx::Result<()> {
        sqlx::query(sql).execute(&mut *self.conn).await.map(|_| ())
    }
}

impl Deref for WriteTx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.conn
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        // Neither committed nor rolled back: an error, or the future was dropped mid-way.
        // Closing the connection ends the transaction on the server and in the driver alike.
        if !self.finished {
            self.conn.close_on_drop();
        }
    }
}
