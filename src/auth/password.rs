//! argon2id password hashes, and the password rule. Hashing takes tens of milliseconds of CPU
//! and 19 MiB of memory on purpose, so it runs on a few threads of its own (one per core),
//! never on the async runtime: however many sign-ins arrive, at most that many hashes are in
//! memory, and the memory each thread's allocator keeps stays with those few threads.

use crate::error::AppError;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};

type Work = Box<dyn FnOnce() + Send>;

/// Runs `work` on a hashing thread and waits for its answer.
async fn on_hashing_thread<T: Send + 'static>(
    work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    static THREADS: OnceLock<Mutex<mpsc::Sender<Work>>> = OnceLock::new();
    let queue = THREADS.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Work>();
        let rx = Arc::new(Mutex::new(rx));
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        for n in 0..cores {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("hashing-{n}"))
                .spawn(move || loop {
                    let next = rx.lock().unwrap_or_else(|p| p.into_inner()).recv();
                    match next {
                        Ok(work) => work(),
                        Err(_) => return,
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a hashing thread");
            }
        }
        Mutex::new(tx)
    });
    let (reply, answer) = tokio::sync::oneshot::channel();
    let job: Work = Box::new(move || {
        let _ = reply.send(work());
    });
    queue
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .send(job)
        .map_err(|_| anyhow::anyhow!("the hashing threads have stopped"))?;
    answer
        .await
        .map_err(|_| anyhow::anyhow!("a hashing thread dropped its work"))?
}

pub async fn hash(password: String) -> anyhow::Result<String> {
    on_hashing_thread(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
    })
    .await
}

/// Checks `password` against `stored`. With no stored hash (unknown user) it still spends the
/// same work, so response time does not tell which usernames exist.
pub async fn verify(password: String, stored: Option<String>) -> anyhow::Result<bool> {
    on_hashing_thread(move || {
        let known = stored.is_some();
        let stored = match stored {
            Some(s) => s,
            None => dummy_hash()?.to_string(),
        };
        let parsed = PasswordHash::new(&stored).map_err(|e| anyhow::anyhow!("bad hash: {e}"))?;
        let ok = BLOCKS
            .with(|blocks| recompute(password.as_bytes(), &parsed, &mut blocks.borrow_mut()))?;
        Ok(ok && known)
    })
    .await
}

thread_local! {
    /// The hashing thread's working memory, kept between hashes: allocating 19 MiB for every
    /// attempt let the allocator hold on to each one.
    static BLOCKS: std::cell::RefCell<Vec<Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Hashes `password` with the stored hash's own parameters and salt, in `blocks`, and compares
/// in constant time.
fn recompute(
    password: &[u8],
    stored: &PasswordHash<'_>,
    blocks: &mut Vec<Block>,
) -> anyhow::Result<bool> {
    let bad = |e: argon2::password_hash::Error| anyhow::anyhow!("bad hash: {e}");
    let params = Params::try_from(stored).map_err(bad)?;
    let algorithm = Algorithm::try_from(stored.algorithm).map_err(bad)?;
    let version = match stored.version {
        Some(v) => Version::try_from(v).map_err(|e| anyhow::anyhow!("bad hash: {e}"))?,
        None => Version::default(),
    };
    let expected = stored
        .hash
        .ok_or_else(|| anyhow::anyhow!("bad hash: no output"))?;
    let salt = stored
        .salt
        .ok_or_else(|| anyhow::anyhow!("bad hash: no salt"))?;
    let mut salt_bytes = [0u8; 64];
    let salt = salt.decode_b64(&mut salt_bytes).map_err(bad)?;
    if blocks.len() < params.block_count() {
        blocks.resize(params.block_count(), Block::default());
    }
    let mut out = vec![0u8; expected.len()];
    let memory = &mut blocks[..params.block_count()];
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password, salt, &mut out, memory)
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?;
    let differs = out
        .iter()
        .zip(expected.as_bytes())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    Ok(differs == 0 && out.len() == expected.len())
}

/// A first password for someone added without one: 12 characters that are not easily
/// confused when read aloud or copied by hand (no 0/O, 1/l/I).
pub fn generated() -> anyhow::Result<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 12];
    getrandom::getrandom(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect())
}

/// Passwords too common to allow, one a line (lowercase).
const COMMON: &str = include_str!("common_passwords.txt");

/// The password rule for people's own passwords: at least 8 characters, at least 4 different
/// ones, not only spaces, not the username or part of it, not a commonly used password.
pub fn check_policy(username: &str, password: &str) -> Result<(), AppError> {
    let refuse = |why: &str| Err(AppError::invalid("password", why));
    if password.chars().count() < 8 {
        return refuse("at least 8 characters");
    }
    if password.trim().is_empty() {
        return refuse("not only spaces");
    }
    let distinct: std::collections::HashSet<char> = password.chars().collect();
    if distinct.len() < 4 {
        return refuse("at least 4 different characters");
    }
    let lower = password.to_lowercase();
    let name = username.to_lowercase();
    if !name.is_empty() && (lower.contains(&name) || name.contains(&lower)) {
        return refuse("must not contain the username");
    }
    if COMMON.lines().any(|common| common == lower) {
        return refuse("too common; choose another");
    }
    Ok(())
}

/// The hash of a random secret, made once, to verify against when the user is unknown.
fn dummy_hash() -> anyhow::Result<&'static str> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(h) = DUMMY.get() {
        return Ok(h);
    }
    let salt = SaltString::generate(&mut OsRng);
    let h = Argon2::default()
        .hash_password(salt.as_str().as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?
        .to_string();
    Ok(DUMMY.get_or_init(|| h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn right_password_verifies_and_wrong_one_does_not() {
        let h = hash("correct horse".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse".into(), Some(h.clone()))
            .await
            .unwrap());
        assert!(!verify("wrong".into(), Some(h)).await.unwrap());
        assert!(!verify("anything".into(), None).await.unwrap());
    }

    #[test]
    fn weak_passwords_are_refused_with_a_reason() {
        for weak in [
            "12345678",
            "password",
            "        ",
            "Clerk.Dawan!",
            "aaaaaaaaaa",
            "short",
            "PassWord",
        ] {
            let err = check_policy("clerk.dawan", weak).unwrap_err();
            assert_eq!(err.code(), "invalid_input", "{weak:?}");
        }
        assert!(check_policy("clerk.dawan", "泾源大湾乡2026窗口").is_ok());
        assert!(check_policy("clerk.dawan", "correct horse battery").is_ok());
    }
}
