//! A fresh database for one test or benchmark: a new PostgreSQL database when
//! BACKSTOP_TEST_POSTGRES names a server (CI drops them all afterwards), else a SQLite file in a
//! temporary folder that lives as long as the returned value.

pub struct TestDatabase {
    pub url: String,
    pub backend: &'static str,
    _dir: tempfile::TempDir,
}

pub async fn fresh() -> TestDatabase {
    let dir = tempfile::tempdir().expect("temp dir");
    let Ok(admin) = std::env::var("BACKSTOP_TEST_POSTGRES") else {
        let url = format!("sqlite://{}", dir.path().join("backstop.db").display());
        return TestDatabase {
            url,
            backend: "SQLite (WAL, synchronous=FULL)",
            _dir: dir,
        };
    };
    let name = format!("backstop_test_{}", hex_id());
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
        .await
        .expect("the PostgreSQL named by BACKSTOP_TEST_POSTGRES is reachable");
    sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("can create a test database");
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    TestDatabase {
        url: format!("{base}/{name}"),
        backend: "PostgreSQL",
        _dir: dir,
    }
}

pub fn hex_id() -> String {
    let mut b = [0u8; 8];
    getrandom::getrandom(&mut b).expect("randomness");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Stands in for a database handed on to another server (see `TestApp::restart`).
#[allow(dead_code)]
pub fn placeholder() -> TestDatabase {
    TestDatabase {
        url: String::new(),
        backend: "",
        _dir: tempfile::tempdir().expect("temp dir"),
    }
}
