//! Requests Backstop makes to other systems: probes of monitored systems and webhook deliveries.
//! One connection per request, so a probe measures the whole way (resolve, connect, TLS,
//! answer); every step runs inside one deadline, and an answer's body is read only up to a cap.

pub mod der;

use crate::clock::Millis;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::rustls::pki_types::{pem::PemObject, CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

/// What is read of an answer's body at most; a keyword must appear within it.
pub const BODY_CAP: usize = 256 * 1024;

/// The trust for HTTPS: the public roots, and the organisation's own CA if it has one.
#[derive(Clone)]
pub struct Client {
    tls: TlsConnector,
}

impl Client {
    /// `ca_pem`: extra trusted certificates (PEM), e.g. the province's own CA.
    pub fn new(ca_pem: Option<&[u8]>) -> anyhow::Result<Self> {
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        if let Some(pem) = ca_pem {
            for cert in CertificateDer::pem_slice_iter(pem) {
                roots.add(cert.map_err(|e| anyhow::anyhow!("CA file: {e}"))?)?;
            }
        }
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Self {
            tls: TlsConnector::from(Arc::new(config)),
        })
    }
}

pub struct Request<'a> {
    pub method: hyper::Method,
    pub url: &'a str,
    pub headers: &'a [(&'a str, &'a str)],
    pub body: Vec<u8>,
    pub timeout: Duration,
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub body: Bytes,
    /// When the server's certificate expires (HTTPS only).
    pub cert_expires_at: Option<Millis>,
    pub elapsed: Duration,
}

/// Why a request got no answer, in words ops staff read.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("地址无效：{0}")]
    BadUrl(String),
    #[error("超时（{0} 毫秒内无应答）")]
    Timeout(u128),
    #[error("无法连接：{0}")]
    Connect(std::io::Error),
    #[error("TLS 握手失败：{0}")]
    Tls(std::io::Error),
    #[error("HTTP 错误：{0}")]
    Http(String),
}

/// Sends `req` and reads the answer, all within `req.timeout`.
pub async fn send(client: &Client, req: Request<'_>) -> Result<Response, Failure> {
    let started = Instant::now();
    let limit = req.timeout;
    match tokio::time::timeout(limit, exchange(client, req, started)).await {
        Ok(answer) => answer,
        Err(_) => Err(Failure::Timeout(limit.as_millis())),
    }
}

async fn exchange(
    client: &Client,
    req: Request<'_>,
    started: Instant,
) -> Result<Response, Failure> {
    let uri: hyper::Uri = req
        .url
        .parse()
        .map_err(|e: hyper::http::uri::InvalidUri| Failure::BadUrl(e.to_string()))?;
    let https = match uri.scheme_str() {
        Some("https") => true,
        Some("http") => false,
        _ => return Err(Failure::BadUrl("只支持 http:// 与 https://".into())),
    };
    let host = uri
        .host()
        .ok_or_else(|| Failure::BadUrl("缺少主机名".into()))?
        .trim_matches(|c| c == '[' || c == ']')
        .to_string();
    let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
    let tcp = TcpStream::connect((host.as_str(), port))
        .await
        .map_err(Failure::Connect)?;
    let _ = tcp.set_nodelay(true);
    if !https {
        return over(tcp, &uri, req, started, None).await;
    }
    let name = ServerName::try_from(host).map_err(|e| Failure::BadUrl(e.to_string()))?;
    let tls = client.tls.connect(name, tcp).await.map_err(Failure::Tls)?;
    let expires = tls
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|chain| chain.first())
        .and_then(|leaf| der::not_after(leaf));
    over(tls, &uri, req, started, expires).await
}

/// The HTTP/1.1 exchange over an open stream.
async fn over<S>(
    stream: S,
    uri: &hyper::Uri,
    req: Request<'_>,
    started: Instant,
    cert_expires_at: Option<Millis>,
) -> Result<Response, Failure>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let http = |e: hyper::Error| Failure::Http(e.to_string());
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(http)?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let authority = uri.authority().map(|a| a.as_str()).unwrap_or_default();
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let mut builder = hyper::Request::builder()
        .method(req.method)
        .uri(path)
        .header("host", authority)
        .header(
            "user-agent",
            concat!("Backstop/", env!("CARGO_PKG_VERSION")),
        )
        .header("connection", "close");
    for (name, value) in req.headers {
        builder = builder.header(*name, *value);
    }
    let request = builder
        .body(Full::new(Bytes::from(req.body)))
        .map_err(|e| Failure::Http(e.to_string()))?;
    let answer = sender.send_request(request).await.map_err(http)?;
    let status = answer.status().as_u16();
    let body = read_capped(answer.into_body()).await?;
    Ok(Response {
        status,
        body,
        cert_expires_at,
        elapsed: started.elapsed(),
    })
}

/// The body up to [`BODY_CAP`]; a longer one is cut there, not refused.
async fn read_capped(mut body: hyper::body::Incoming) -> Result<Bytes, Failure> {
    let mut out = Vec::new();
    while out.len() < BODY_CAP {
        match body.frame().await {
            None => break,
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    out.extend_from_slice(&data);
                }
            }
            Some(Err(e)) => return Err(Failure::Http(e.to_string())),
        }
    }
    out.truncate(BODY_CAP);
    Ok(Bytes::from(out))
}
