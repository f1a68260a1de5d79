//! One WebSocket client of the live protocol: it connects with a bearer token (from a chosen
//! 127.0.0.x source address, so that many connections need not share one address's ports),
//! waits for `hello`, and speaks the frames of `backstop::live::protocol`.

use anyhow::{anyhow, bail};
use backstop::live::protocol::ClientFrame;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

pub type Ws = WebSocketStream<TcpStream>;
pub type Sink = SplitSink<Ws, Message>;
pub type Source = SplitStream<Ws>;

/// The server frames a load client reads; the rest are `Other`.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Incoming {
    Hello,
    Ack {
        client_id: String,
        #[serde(default)]
        duplicate: bool,
    },
    Event {
        event: Entry,
    },
    Snapshot {
        events: Vec<Entry>,
        has_more: bool,
    },
    Queue {
        tickets: Vec<serde::de::IgnoredAny>,
        page: usize,
        has_more: bool,
    },
    Error {
        code: String,
        message: String,
        #[serde(default)]
        client_id: Option<String>,
    },
    #[serde(other)]
    Other,
}

#[derive(Debug, Deserialize)]
pub struct Entry {
    pub seq: i64,
    #[serde(default)]
    pub client_id: Option<String>,
}

impl Incoming {
    pub fn parse(message: &Message) -> Option<Incoming> {
        match message {
            Message::Text(t) => serde_json::from_str(t).ok(),
            _ => None,
        }
    }
}

pub fn frame(f: &ClientFrame) -> Message {
    Message::Text(
        serde_json::to_string(f)
            .expect("client frames serialise")
            .into(),
    )
}

/// A signed-in socket, `hello` read.
pub async fn connect(addr: SocketAddr, token: &str, source: Option<IpAddr>) -> anyhow::Result<Ws> {
    let socket = match addr {
        SocketAddr::V4(_) => TcpSocket::new_v4()?,
        SocketAddr::V6(_) => TcpSocket::new_v6()?,
    };
    if let Some(ip) = source {
        socket.bind(SocketAddr::new(ip, 0))?;
    }
    let stream = socket.connect(addr).await?;
    stream.set_nodelay(true)?;
    let mut req = format!("ws://{addr}/ws").into_client_request()?;
    req.headers_mut()
        .insert("authorization", format!("Bearer {token}").parse()?);
    // Small buffers: the load generator holds as many sockets as the server does.
    let config = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0);
    let (mut ws, _) =
        tokio_tungstenite::client_async_with_config(req, stream, Some(config)).await?;
    loop {
        let m = ws
            .next()
            .await
            .ok_or_else(|| anyhow!("closed before hello"))??;
        match Incoming::parse(&m) {
            Some(Incoming::Hello) => return Ok(ws),
            Some(Incoming::Error { code, message, .. }) => bail!("{code}: {message}"),
            _ => continue,
        }
    }
}

/// Subscribes to `ticket` after `after_seq` and reads up to the last snapshot page; returns
/// the client ids of the entries it held and the last sequence number.
pub async fn subscribe(
    ws: &mut Ws,
    ticket: i64,
    after_seq: i64,
) -> anyhow::Result<(Vec<String>, i64)> {
    ws.send(frame(&ClientFrame::Subscribe { ticket, after_seq }))
        .await?;
    let (mut ids, mut last) = (Vec::new(), after_seq);
    loop {
        let m = ws
            .next()
            .await
            .ok_or_else(|| anyhow!("closed before snapshot"))??;
        match Incoming::parse(&m) {
            Some(Incoming::Snapshot { events, has_more }) => {
                for e in events {
                    last = last.max(e.seq);
                    ids.extend(e.client_id);
                }
                if !has_more {
                    return Ok((ids, last));
                }
            }
            Some(Incoming::Error { code, message, .. }) => bail!("{code}: {message}"),
            _ => continue,
        }
    }
}

/// The `i`th of `count` source addresses 127.0.0.1 …; `None` when one address will do.
pub fn source(i: usize, count: usize) -> Option<IpAddr> {
    (count > 1).then(|| {
        let n = u8::try_from(i % count.min(250)).unwrap_or(0);
        IpAddr::from([127, 0, 0, 1 + n])
    })
}
