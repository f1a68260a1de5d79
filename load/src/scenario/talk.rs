//! Pairs talking: each ticket's clerk and expert on their own sockets, subscribed to it, each
//! sending chat messages on a fixed timetable (open loop: the timetable does not wait for
//! acks), while the tally notes every ack and every delivery to the other side.

use crate::client::{self, Incoming, Sink, Source, Ws};
use crate::setup::Pair;
use crate::tally::Tally;
use backstop::live::protocol::ClientFrame;
use futures_util::{stream, SinkExt, StreamExt};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// Sockets connecting at once.
const CONNECTING: usize = 256;
/// How long after the end a delivery of a message acked before it may still arrive.
const DELIVERY_GRACE: Duration = Duration::from_millis(500);
const TEXT: &str = "压测消息：社保卡密码重置失败，请协助查看";

/// A signed-in socket subscribed to its pair's ticket.
pub struct Socket {
    pub index: usize,
    pub ticket: i64,
    pub ws: Ws,
    /// The last sequence number it has seen of the ticket.
    pub last_seq: i64,
}

/// Two sockets per pair, clerk first, subscribed.
pub async fn open(addr: SocketAddr, pairs: &[Pair], sources: usize) -> anyhow::Result<Vec<Socket>> {
    let people = pairs
        .iter()
        .flat_map(|p| [(p.ticket, p.clerk.clone()), (p.ticket, p.expert.clone())]);
    stream::iter(people.enumerate())
        .map(|(index, (ticket, token))| async move {
            let mut ws = client::connect(addr, &token, client::source(index, sources)).await?;
            let (_, last_seq) = client::subscribe(&mut ws, ticket, 0).await?;
            Ok::<_, anyhow::Error>(Socket {
                index,
                ticket,
                ws,
                last_seq,
            })
        })
        .buffer_unordered(CONNECTING)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect()
}

/// How fast and how long.
#[derive(Clone, Copy, Debug)]
pub struct Pace {
    /// Messages per second, over all sockets.
    pub rate: f64,
    pub seconds: f64,
    /// How long to wait after the last send for acks and deliveries still due.
    pub drain: Duration,
}

/// What a talk came to.
pub struct Talk {
    pub tally: Tally,
    /// From the first message due to the last ack or delivery (or the end of the drain).
    pub elapsed: Duration,
    pub sockets: Vec<Socket>,
}

/// Talks so far in this process: each talk's client ids are its own, as the server rightly
/// takes a client id it has stored before as a message sent again.
static TALKS: AtomicUsize = AtomicUsize::new(0);

/// Runs `pace` over `sockets` and gives them back afterwards.
pub async fn talk(sockets: Vec<Socket>, pace: Pace) -> Talk {
    let run = TALKS.fetch_add(1, Ordering::Relaxed);
    let tally = Arc::new(Mutex::new(Tally::default()));
    let n = sockets.len().max(1);
    let gap = Duration::from_secs_f64(1.0 / pace.rate.max(0.001));
    let period = gap * u32::try_from(n).unwrap_or(u32::MAX);
    let start = Instant::now() + Duration::from_millis(100);
    let end = start + Duration::from_secs_f64(pace.seconds);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut tasks = Vec::with_capacity(n);
    for s in sockets {
        let (sink, source) = s.ws.split();
        let first = start + gap * u32::try_from(s.index % n).unwrap_or(0);
        let own = format!("{run}.{}-", s.index);
        let writer = tokio::spawn(write(
            sink,
            own.clone(),
            s.ticket,
            first,
            period,
            end,
            tally.clone(),
        ));
        let reader = tokio::spawn(read(
            source,
            own,
            s.last_seq,
            stopped.clone(),
            tally.clone(),
        ));
        tasks.push((s.index, s.ticket, writer, reader));
    }
    tokio::time::sleep_until(end).await;
    let deadline = Instant::now() + pace.drain;
    while Instant::now() < deadline && lock(&tally).outstanding() > 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = Instant::now().saturating_duration_since(start);
    // Deliveries of what was acked by now get a moment more; later acks are not counted.
    lock(&tally).close_acks();
    tokio::time::sleep(DELIVERY_GRACE).await;
    let _ = stop.send(true);
    let mut back = Vec::with_capacity(n);
    for (index, ticket, writer, reader) in tasks {
        if let (Ok(sink), Ok((source, last_seq))) = (writer.await, reader.await) {
            if let Ok(ws) = sink.reunite(source) {
                back.push(Socket {
                    index,
                    ticket,
                    ws,
                    last_seq,
                });
            }
        }
    }
    let tally = Arc::try_unwrap(tally)
        .map(|m| m.into_inner().unwrap_or_else(|p| p.into_inner()))
        .unwrap_or_default();
    Talk {
        tally,
        elapsed,
        sockets: back,
    }
}

fn lock(t: &Mutex<Tally>) -> std::sync::MutexGuard<'_, Tally> {
    t.lock().unwrap_or_else(|p| p.into_inner())
}

async fn write(
    mut sink: Sink,
    own: String,
    ticket: i64,
    first: Instant,
    period: Duration,
    end: Instant,
    tally: Arc<Mutex<Tally>>,
) -> Sink {
    let mut due = first;
    let mut k = 0u64;
    while due < end {
        tokio::time::sleep_until(due).await;
        let client_id = format!("{own}{k}");
        lock(&tally).sent(client_id.clone(), due.into_std());
        let frame = ClientFrame::Send {
            ticket,
            client_id,
            text: TEXT.into(),
            file: None,
            internal: false,
        };
        if sink.send(client::frame(&frame)).await.is_err() {
            break;
        }
        k += 1;
        due += period;
    }
    sink
}

async fn read(
    mut source: Source,
    own: String,
    mut last_seq: i64,
    mut stop: tokio::sync::watch::Receiver<bool>,
    tally: Arc<Mutex<Tally>>,
) -> (Source, i64) {
    loop {
        let message = tokio::select! {
            m = source.next() => m,
            _ = stop.changed() => break,
        };
        let Some(Ok(message)) = message else { break };
        let now = std::time::Instant::now();
        match Incoming::parse(&message) {
            Some(Incoming::Ack {
                client_id,
                duplicate,
            }) => lock(&tally).acked(&client_id, now, duplicate),
            Some(Incoming::Event { event }) => {
                last_seq = last_seq.max(event.seq);
                if let Some(id) = event.client_id.filter(|id| !id.starts_with(&own)) {
                    lock(&tally).delivered(&id, now);
                }
            }
            Some(Incoming::Error {
                client_id: Some(_), ..
            }) => lock(&tally).refused += 1,
            _ => {}
        }
    }
    (source, last_seq)
}
