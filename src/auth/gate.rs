//! The sign-in gate: what stands between a password guesser and the hash. Failed sign-ins are
//! counted per client address (a bucket that refills slowly; an empty bucket is `429` with
//! `Retry-After`) and per account (enough failures in a row lock it for a while; the lock is
//! kept in the database for real accounts, so an admin can lift it and it survives restarts,
//! and in memory for names that do not exist, so both answer alike). Hashing runs behind a
//! bound sized to the cores with a short queue; attempts beyond it are refused at once, so a
//! flood can neither grow memory nor starve real sign-ins for long.

use crate::clock::Millis;
use crate::config::SignInSettings;
use crate::error::AppError;
use crate::throttle::{Bucket, Rate};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Names and addresses remembered at most; the oldest are forgotten first.
const REMEMBERED: usize = 50_000;

pub struct Gate {
    settings: SignInSettings,
    addresses: Mutex<HashMap<IpAddr, Bucket>>,
    /// Failures of names that are not accounts: (failures in a row, locked until).
    unknown: Mutex<HashMap<String, (u32, Millis)>>,
    hashing: Arc<Semaphore>,
    waiting: AtomicUsize,
    /// When a refusal of each address was last written to the audit trail.
    recorded: Mutex<HashMap<IpAddr, Millis>>,
}

/// Held while a password is hashed.
pub struct HashPermit {
    _permit: OwnedSemaphorePermit,
}

impl Gate {
    pub fn new(settings: SignInSettings) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let permits = if settings.hashing == 0 {
            cores
        } else {
            settings.hashing
        };
        Self {
            settings,
            addresses: Mutex::new(HashMap::new()),
            unknown: Mutex::new(HashMap::new()),
            hashing: Arc::new(Semaphore::new(permits.max(1))),
            waiting: AtomicUsize::new(0),
            recorded: Mutex::new(HashMap::new()),
        }
    }

    fn rate(&self) -> Rate {
        let refill_ms =
            i64::try_from(self.settings.address_refill_secs.max(1) * 1000).unwrap_or(i64::MAX);
        Rate {
            burst: self.settings.address_burst,
            refill_ms,
        }
    }

    /// Refuses an address that has used up its failures; answers how long to wait.
    pub fn admit(&self, address: IpAddr, now: Millis) -> Result<(), AppError> {
        let rate = self.rate();
        let map = self.addresses.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(&address) {
            Some(b) if !rate.has_token(*b, now) => Err(AppError::RateLimited {
                retry_after_secs: rate.wait_secs(&rate.refill(*b, now)),
            }),
            _ => Ok(()),
        }
    }

    /// Whether a refusal of `address` should go into the audit trail now: once a minute at
    /// most, so that a flood of attempts does not become a flood of writes.
    pub fn record_refusal(&self, address: IpAddr, now: Millis) -> bool {
        let mut map = self.recorded.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(&address) {
            Some(at) if now - at < 60_000 => false,
            _ => {
                if map.len() >= REMEMBERED {
                    map.clear();
                }
                map.insert(address, now);
                true
            }
        }
    }

    /// A failed sign-in from `address` takes a token from its bucket.
    pub fn failed_from(&self, address: IpAddr, now: Millis) {
        let rate = self.rate();
        let mut map = self.addresses.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= REMEMBERED && !map.contains_key(&address) {
            forget_oldest(&mut map, |b| b.at());
        }
        let bucket = map.entry(address).or_insert_with(|| rate.full(now));
        let _ = rate.take(bucket, now);
    }

    /// The failures in a row after which an account is locked, and for how long.
    pub fn lock_policy(&self) -> (u32, Millis) {
        let minutes = i64::try_from(self.settings.lock_minutes).unwrap_or(i64::MAX / 60_000);
        (self.settings.max_failures.max(1), minutes * 60_000)
    }

    /// For a name that is no account: locked as a real account would be.
    pub fn unknown_locked(&self, name: &str, now: Millis) -> Option<Millis> {
        let map = self.unknown.lock().unwrap_or_else(|p| p.into_inner());
        map.get(name)
            .map(|(_, until)| *until)
            .filter(|until| *until > now)
    }

    pub fn unknown_failed(&self, name: &str, now: Millis) {
        let (limit, lock) = self.lock_policy();
        let mut map = self.unknown.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= REMEMBERED {
            forget_oldest(&mut map, |(_, until)| *until);
        }
        let entry = map.entry(name.to_string()).or_insert((0, 0));
        entry.0 += 1;
        if entry.0 >= limit {
            *entry = (0, now + lock);
        }
    }

    /// A turn at the hash. Beyond the cores and a short queue, refused at once.
    pub async fn hash_permit(&self) -> Result<HashPermit, AppError> {
        let busy = AppError::RateLimited {
            retry_after_secs: 1,
        };
        if let Ok(permit) = self.hashing.clone().try_acquire_owned() {
            return Ok(HashPermit { _permit: permit });
        }
        let queue = self.queue_len();
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= queue {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(busy);
        }
        let permit = self.hashing.clone().acquire_owned().await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        permit.map(|p| HashPermit { _permit: p }).map_err(|_| busy)
    }

    fn queue_len(&self) -> usize {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        cores * 4
    }
}

fn forget_oldest<K: Clone + Eq + std::hash::Hash, V>(
    map: &mut HashMap<K, V>,
    age: impl Fn(&V) -> Millis,
) {
    if let Some(oldest) = map
        .iter()
        .min_by_key(|(_, v)| age(v))
        .map(|(k, _)| k.clone())
    {
        map.remove(&oldest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate() -> Gate {
        Gate::new(SignInSettings {
            address_burst: 3,
            address_refill_secs: 10,
            ..SignInSettings::default()
        })
    }

    #[test]
    fn an_address_is_refused_after_its_failures_and_admitted_again_later() {
        let g = gate();
        let a: IpAddr = "127.0.0.2".parse().unwrap();
        for _ in 0..3 {
            assert!(g.admit(a, 0).is_ok());
            g.failed_from(a, 0);
        }
        let err = g.admit(a, 0).unwrap_err();
        assert_eq!(err.code(), "rate_limited");
        assert!(matches!(
            err,
            AppError::RateLimited {
                retry_after_secs: 10
            }
        ));
        assert!(
            g.admit("127.0.0.3".parse().unwrap(), 0).is_ok(),
            "others are not affected"
        );
        assert!(g.admit(a, 10_000).is_ok());
    }

    #[test]
    fn unknown_names_lock_like_accounts() {
        let g = gate();
        let (limit, lock) = g.lock_policy();
        for _ in 0..limit {
            assert_eq!(g.unknown_locked("nobody", 0), None);
            g.unknown_failed("nobody", 0);
        }
        assert_eq!(g.unknown_locked("nobody", 1), Some(lock));
        assert_eq!(g.unknown_locked("nobody", lock), None);
    }
}
