//! Nobody guesses their way in, and a flood of sign-ins takes nobody down: wrong passwords are
//! throttled per address with 429 and Retry-After and lock the account; many at once are
//! refused beyond a small hashing queue, so memory stays bounded and other people still get in.

use crate::common;

use common::TestApp;
use serde_json::{json, Value};
use std::net::IpAddr;
use std::time::Duration;

fn client_from(address: &str) -> reqwest::Client {
    let ip: IpAddr = address.parse().expect("address");
    reqwest::Client::builder()
        .local_address(ip)
        .build()
        .expect("client")
}

async fn sign_in(
    http: &reqwest::Client,
    base: &str,
    user: &str,
    password: &str,
) -> (u16, Option<String>, Value) {
    let r = http
        .post(format!("{base}/api/tokens"))
        .json(&json!({ "username": user, "password": password }))
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    let retry = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (status, retry, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn two_hundred_wrong_passwords_are_throttled_and_lock_the_account() {
    let app = TestApp::spawn().await;
    let base = format!("http://{}", app.addr);
    let guesser = client_from("127.0.0.2");
    let mut codes = Vec::new();
    for n in 0..200 {
        let (status, retry, v) =
            sign_in(&guesser, &base, "clerk.dawan", &format!("guess-{n}")).await;
        if status == 429 {
            assert!(
                retry.is_some_and(|r| r.parse::<u64>().is_ok_and(|s| s > 0)),
                "{v}"
            );
        }
        codes.push((
            status,
            v["error"]["code"].as_str().unwrap_or("").to_string(),
        ));
    }
    let wrong = codes.iter().filter(|(s, _)| *s == 401).count();
    assert_eq!(
        wrong, 10,
        "ten guesses are judged, then the account locks: {codes:?}"
    );
    assert!(codes[10..]
        .iter()
        .all(|(s, c)| *s == 429 && c == "account_locked"));
    // Guessing other accounts from the same address soon runs out the address's attempts.
    let mut limited = false;
    for n in 0..30 {
        let (status, _, v) =
            sign_in(&guesser, &base, &format!("guess.{n}"), "wrong-password").await;
        if status == 429 && v["error"]["code"] == "rate_limited" {
            limited = true;
            break;
        }
    }
    assert!(limited, "the address is throttled");

    // The locked account stays locked for its owner too, from anywhere, until the lock ends.
    let owner = client_from("127.0.0.3");
    let (status, retry, _) = sign_in(&owner, &base, "clerk.dawan", "backstop").await;
    assert_eq!(status, 429);
    let wait: u64 = retry.expect("retry-after").parse().expect("seconds");
    assert!(wait > 0 && wait <= 15 * 60);
    app.clock.advance(Duration::from_secs(wait));
    let (status, _, _) = sign_in(&owner, &base, "clerk.dawan", "backstop").await;
    assert_eq!(status, 200, "the lock ends by itself");
    // Other people were never affected.
    let (status, _, _) = sign_in(&owner, &base, "expert.jingyuan", "backstop").await;
    assert_eq!(status, 200);
}

fn resident_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// How much the server's resident memory may grow under 200 concurrent wrong sign-ins:
/// each hash takes 19 MiB, and only one per core runs at a time.
const RSS_GROWTH_BOUND_MIB: u64 = 100;

#[tokio::test]
async fn two_hundred_concurrent_wrong_sign_ins_keep_memory_bounded_and_others_get_in() {
    let db = common::database::fresh().await;
    let (child, addr) = common::process::start(&db.url, &[]).await;
    let pid = child.id().expect("pid");
    let base = format!("http://{addr}");
    let warm = client_from("127.0.0.3");
    assert_eq!(
        sign_in(&warm, &base, "clerk.dawan", "backstop").await.0,
        200
    );
    let before = resident_kib(pid);

    let flood: Vec<_> = (0..200)
        .map(|n| {
            let base = base.clone();
            tokio::spawn(async move {
                let http = client_from(&format!("127.0.{}.{}", 1 + n / 200, 1 + n % 200));
                sign_in(&http, &base, &format!("nobody.{n}"), "wrong-password")
                    .await
                    .0
            })
        })
        .collect();
    let watch = tokio::spawn(async move {
        let mut peak = 0;
        for _ in 0..300 {
            peak = peak.max(resident_kib(pid));
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        peak
    });
    // A real person signs in during the flood, waiting as told when asked to.
    let person = client_from("127.0.0.4");
    let mut signed_in = false;
    for _ in 0..30 {
        let (status, retry, _) = sign_in(&person, &base, "clerk.zhenbeibao", "backstop").await;
        if status == 200 {
            signed_in = true;
            break;
        }
        assert_eq!(status, 429);
        let secs: u64 = retry.and_then(|r| r.parse().ok()).unwrap_or(1);
        tokio::time::sleep(Duration::from_secs(secs)).await;
    }
    let mut statuses = Vec::new();
    for f in flood {
        statuses.push(f.await.expect("flood task"));
    }
    let peak = watch.await.expect("watch");
    assert!(signed_in, "a correct sign-in gets through the flood");
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 429),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&429),
        "excess attempts are refused at once"
    );
    let growth = peak.saturating_sub(before) / 1024;
    eprintln!(
        "sign_in_flood: resident memory {} MiB before, +{growth} MiB at the peak",
        before / 1024
    );
    assert!(
        growth < RSS_GROWTH_BOUND_MIB,
        "resident memory grew by {growth} MiB"
    );
}
