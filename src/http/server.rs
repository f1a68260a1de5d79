//! The accept loop, with discipline: a connection must send its request headers within
//! `header_timeout` once it starts them, a connection silent both ways for `idle_timeout` is
//! closed, at most
//! `max_connections` are open at once — kept below the process's file-descriptor limit, which
//! is raised to its hard limit at start — and a connection beyond that is closed at once rather
//! than left to wait. Each request knows its peer's address (`ConnectInfo`). On shutdown the
//! loop stops accepting and connections are asked to finish; the caller bounds the wait.

use super::idle::Idle;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::Service;

/// Descriptors kept for the database, files and the rest of the process.
const RESERVED_FDS: u64 = 128;

/// Connections the kernel may hold for us before they are accepted (it caps this at
/// `net.core.somaxconn`). Thousands of consoles reconnecting at once after a link comes back
/// would overflow a short queue, and each refused one waits a second or more to try again.
const LISTEN_BACKLOG: u32 = 4096;

/// A listener on `addr` (`host:port`; port 0 picks a free one) with a long accept queue.
pub async fn listen(addr: &str) -> std::io::Result<TcpListener> {
    let mut last = None;
    for candidate in tokio::net::lookup_host(addr).await? {
        let socket = match candidate {
            SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
            SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
        };
        socket.set_reuseaddr(true)?;
        match socket.bind(candidate) {
            Ok(()) => return socket.listen(LISTEN_BACKLOG),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("the address resolves to nothing")))
}

#[derive(Clone, Copy, Debug)]
pub struct Discipline {
    pub header_timeout: Duration,
    /// A connection silent both ways this long is closed.
    pub idle_timeout: Duration,
    pub max_connections: usize,
}

/// Raises the soft limit on open files to the hard limit and returns the connections the
/// process can hold: `wanted`, or fewer if the limit is lower.
pub fn connection_capacity(wanted: usize) -> usize {
    let limit = raise_fd_limit();
    let room = usize::try_from(limit.saturating_sub(RESERVED_FDS)).unwrap_or(usize::MAX);
    wanted.min(room.max(16))
}

#[cfg(unix)]
fn raise_fd_limit() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct we pass.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return 1024;
        }
        if lim.rlim_cur < lim.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: lim.rlim_max,
                rlim_max: lim.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                lim.rlim_cur = lim.rlim_max;
            }
        }
    }
    lim.rlim_cur
}

#[cfg(not(unix))]
fn raise_fd_limit() -> u64 {
    1024
}

/// Serves `router` until `shutdown` completes; then stops accepting and returns once every
/// connection has finished (the caller decides how long to wait for that).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    discipline: Discipline,
    shutdown: impl Future<Output = ()>,
) -> impl Future<Output = ()> {
    let slots = Arc::new(Semaphore::new(discipline.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(discipline.header_timeout);
    tokio::pin!(shutdown);
    let mut refused: u64 = 0;
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of descriptors, say: wait a moment instead of spinning.
                tracing::warn!(error = %e, "cannot accept a connection");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            refused += 1;
            if refused.is_power_of_two() {
                tracing::warn!(%peer, refused, "connections refused: the server holds as many as it may");
            }
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service = with_peer(router.clone(), peer);
        let conn = builder
            .serve_connection_with_upgrades(
                TokioIo::new(Idle::new(stream, discipline.idle_timeout)),
                service,
            )
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = conn.await;
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown()
}

/// The router, with the peer's address in every request for `ConnectInfo`.
fn with_peer(
    router: Router,
    peer: SocketAddr,
) -> impl hyper::service::Service<
    hyper::Request<Incoming>,
    Response = axum::response::Response,
    Error = std::convert::Infallible,
    Future = impl Future<Output = Result<axum::response::Response, std::convert::Infallible>> + Send,
> + Clone {
    hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(peer));
        let mut router = router.clone();
        async move { router.call(req).await }
    })
}
