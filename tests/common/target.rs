//! A system to monitor, started by the test and switched at will: healthy, failing (503),
//! slow, hanging, or answering without the expected words; over plain HTTP or over TLS with a
//! certificate the test makes (and a CA the server is told to trust). Also a receiver that
//! records what is posted to it and fails the first deliveries it is told to.

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Mode {
    Healthy = 0,
    Failing = 1,
    Slow = 2,
    Hanging = 3,
    WrongWords = 4,
}

pub struct Target {
    pub addr: std::net::SocketAddr,
    mode: Arc<AtomicU8>,
    /// PEM of the CA that signed the TLS target's certificate.
    pub ca_pem: Option<String>,
}

impl Target {
    pub fn url(&self) -> String {
        let scheme = if self.ca_pem.is_some() {
            "https://localhost"
        } else {
            "http://127.0.0.1"
        };
        format!("{scheme}:{}/health", self.addr.port())
    }

    pub fn set(&self, mode: Mode) {
        self.mode.store(mode as u8, Ordering::SeqCst);
    }

    /// A plain HTTP target, healthy.
    pub async fn http() -> Target {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let mode = Arc::new(AtomicU8::new(0));
        let m = mode.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(answer(stream, m.clone()));
            }
        });
        Target {
            addr,
            mode,
            ca_pem: None,
        }
    }

    /// An HTTPS target for `localhost` whose certificate ends at `not_after`.
    pub async fn https(not_after: (i32, u8, u8)) -> Target {
        use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
        let ca_key = KeyPair::generate().expect("key");
        let mut ca = CertificateParams::new(Vec::new()).expect("params");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = ca.self_signed(&ca_key).expect("CA");
        let key = KeyPair::generate().expect("key");
        let mut leaf = CertificateParams::new(vec!["localhost".into()]).expect("params");
        leaf.not_before = rcgen::date_time_ymd(2020, 1, 1);
        leaf.not_after = rcgen::date_time_ymd(not_after.0, not_after.1, not_after.2);
        let leaf = leaf.signed_by(&key, &ca, &ca_key).expect("leaf");
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let der = tokio_rustls::rustls::pki_types::PrivateKeyDer::try_from(key.serialize_der())
            .expect("key der");
        let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_no_client_auth()
            .with_single_cert(vec![leaf.der().clone()], der)
            .expect("server config");
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let mode = Arc::new(AtomicU8::new(0));
        let m = mode.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (acceptor, m) = (acceptor.clone(), m.clone());
                tokio::spawn(async move {
                    if let Ok(tls) = acceptor.accept(stream).await {
                        answer(tls, m).await;
                    }
                });
            }
        });
        Target {
            addr,
            mode,
            ca_pem: Some(ca.pem()),
        }
    }
}

async fn read_head<S: AsyncRead + Unpin>(stream: &mut S) -> Option<Vec<u8>> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        seen.extend_from_slice(&buf[..n]);
    }
    Some(seen)
}

async fn answer<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S, mode: Arc<AtomicU8>) {
    if read_head(&mut stream).await.is_none() {
        return;
    }
    let (status, body) = match mode.load(Ordering::SeqCst) {
        1 => ("503 Service Unavailable", "服务不可用"),
        2 => {
            tokio::time::sleep(Duration::from_millis(400)).await;
            ("200 OK", "系统运行正常")
        }
        3 => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return;
        }
        4 => ("200 OK", "系统维护中"),
        _ => ("200 OK", "系统运行正常"),
    };
    let reply = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(reply.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// A webhook receiver: keeps each body posted to it; the first `fail_first` get a 500.
pub struct Receiver {
    pub addr: std::net::SocketAddr,
    pub bodies: Arc<Mutex<Vec<(String, String)>>>,
}

impl Receiver {
    pub async fn start(fail_first: usize) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let bodies: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
        let seen = Arc::new(AtomicUsize::new(0));
        let keep = bodies.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let (keep, seen) = (keep.clone(), seen.clone());
                tokio::spawn(async move {
                    let Some(head) = read_head(&mut stream).await else {
                        return;
                    };
                    let text = String::from_utf8_lossy(&head).to_string();
                    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
                    let path = head.split_whitespace().nth(1).unwrap_or("").to_string();
                    let length: usize = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().to_string())
                        })
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0);
                    let mut body = rest.as_bytes().to_vec();
                    let mut buf = [0u8; 4096];
                    while body.len() < length {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => body.extend_from_slice(&buf[..n]),
                        }
                    }
                    let n = seen.fetch_add(1, Ordering::SeqCst);
                    let reply = if n < fail_first {
                        "HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_string()
                    } else {
                        keep.lock()
                            .expect("bodies")
                            .push((path, String::from_utf8_lossy(&body).to_string()));
                        let ok = r#"{"errcode":0,"errmsg":"ok"}"#;
                        format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{ok}", ok.len())
                    };
                    let _ = stream.write_all(reply.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        Receiver { addr, bodies }
    }

    pub fn received(&self) -> Vec<(String, String)> {
        self.bodies.lock().expect("bodies").clone()
    }
}
