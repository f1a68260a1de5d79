//! Browser sessions and API tokens: random 256-bit secrets given to the client once; the
//! database keeps only their SHA-256, so a leaked database does not leak live sessions.

use crate::clock::Millis;
use crate::db::Db;
use crate::error::AppResult;
use crate::trail::{self, Record};
use sha2::{Digest, Sha256};
use sqlx::Row;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Browser,
    Api,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Browser => "browser",
            Kind::Api => "api",
        }
    }
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(hex::encode(bytes))
}

/// Creates a session for `user_id` and returns its secret token.
/// Creates a session for `user_id` and returns its secret token; `record` goes into the audit
/// trail in the same transaction.
pub async fn create(
    db: &Db,
    user_id: i64,
    kind: Kind,
    (now, expires_at): (Millis, Millis),
    record: &Record,
) -> AppResult<String> {
    let token = new_token()?;
    let hash = token_hash(&token);
    db.write(async {
        let mut tx = db.begin().await?;
        // Expired sessions of this user go as a new one starts, so the table does not grow.
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND expires_at <= $2")
            .bind(user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, kind, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&hash)
        .bind(user_id)
        .bind(kind.as_str())
        .bind(now)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        trail::append(&mut tx, db.backend, record, now).await?;
        tx.commit().await
    })
    .await?;
    Ok(token)
}

/// Ends the session of `token`; a record of it goes into the trail alongside.
pub async fn delete(
    db: &Db,
    token: &str,
    record: Option<&Record>,
    now: Millis,
) -> sqlx::Result<()> {
    db.write(async {
        let mut tx = db.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash(token))
            .execute(&mut *tx)
            .await?;
        if let Some(r) = record {
            trail::append(&mut tx, db.backend, r, now).await?;
        }
        tx.commit().await
    })
    .await
}

/// What signing in needs to know of an account.
pub struct Account {
    pub id: i64,
    pub unit_path: String,
    pub password_hash: String,
    pub failed_logins: i64,
    pub locked_until: Option<Millis>,
    pub disabled: bool,
}

/// The account called `username`, if there is one.
pub async fn account(db: &Db, username: &str) -> sqlx::Result<Option<Account>> {
    let row = sqlx::query(
        "SELECT u.id, n.path, u.password_hash, u.failed_logins, u.locked_until, u.disabled \
         FROM users u JOIN units n ON n.id = u.unit_id WHERE u.username = $1",
    )
    .bind(username)
    .fetch_optional(db.read());
    let row = db.timed(row).await?;
    row.map(|r| {
        Ok(Account {
            id: r.try_get("id")?,
            unit_path: r.try_get("path")?,
            password_hash: r.try_get("password_hash")?,
            failed_logins: r.try_get("failed_logins")?,
            locked_until: r.try_get("locked_until")?,
            disabled: r.try_get::<i64, _>("disabled")? != 0,
        })
    })
    .transpose()
}

/// One more failure in a row; the `limit`-th locks the account until `until`. The failure goes
/// into the trail in the same transaction, with "locked" when it locked the account.
pub async fn failed(
    db: &Db,
    account: &Account,
    (limit, until): (u32, Millis),
    mut record: Record,
    now: Millis,
) -> sqlx::Result<()> {
    if account.failed_logins + 1 >= i64::from(limit) {
        record.detail = "locked".into();
    }
    let q = sqlx::query(
        "UPDATE users SET \
         locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3 ELSE locked_until END, \
         failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END \
         WHERE id = $1",
    )
    .bind(account.id)
    .bind(i64::from(limit))
    .bind(until);
    db.write(async {
        let mut tx = db.begin().await?;
        q.execute(&mut *tx).await?;
        trail::append(&mut tx, db.backend, &record, now).await?;
        tx.commit().await
    })
    .await
}

/// A successful sign-in, or an admin's unlock: no failures, no lock.
pub async fn clear_failures(db: &Db, id: i64) -> sqlx::Result<()> {
    let q = sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
        .bind(id);
    db.execute(q).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_only_their_hash_is_kept() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_ne!(token_hash(&a), a);
        assert_eq!(token_hash(&a), token_hash(&a));
    }
}
