//! One WebSocket connection: the receive half reads and answers frames, the send half
//! (`writer`) drains the connection's queue; `select!` ends both when either ends.
//! Written against generic `Sink`/`Stream` halves so it does not need a real socket.

use super::hub::{ConnId, Outbound};
use super::limits::{Limits, Verdict};
use super::protocol::{self, close, ClientFrame, PresenceStatus, Request, ServerFrame};
use super::writer::{self, LastHeard};
use super::Live;
use crate::auth::{session_topic, user_topic, Actor};
use crate::error::AppError;
use crate::helpdesk::audience::{self, queue_topic, ticket_topic};
use crate::helpdesk::service::{self, Outgoing};
use crate::helpdesk::view::{EntryView, TicketView};
use axum::extract::ws::Message;
use futures_util::{Sink, Stream, StreamExt};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, Notify};

/// Tickets per `queue` frame, and frames at most for one queue.
const QUEUE_PAGE: usize = 100;
const QUEUE_PAGES: usize = 50;

/// How long the server waits for the peer to answer a close it started.
const CLOSE_HANDSHAKE: Duration = Duration::from_secs(2);

/// Log entries read per snapshot query.
const SNAPSHOT_PAGE: i64 = 500;
/// Roughly the largest snapshot frame, so that no frame outgrows the socket's write buffer.
const SNAPSHOT_BYTES: usize = 256 * 1024;

/// Splits log entries into runs of about `SNAPSHOT_BYTES` of text each, in order; always at
/// least one run, possibly empty.
fn chunk_by_size(events: Vec<EntryView>) -> Vec<Vec<EntryView>> {
    let mut chunks = vec![Vec::new()];
    let mut size = 0;
    for e in events {
        let cost = e.body.len() + 256;
        let current = chunks.last_mut().expect("never empty");
        if !current.is_empty() && size + cost > SNAPSHOT_BYTES {
            chunks.push(Vec::new());
            size = 0;
        }
        size += cost;
        chunks.last_mut().expect("never empty").push(e);
    }
    chunks
}

struct Session {
    live: Live,
    tx: mpsc::Sender<Outbound>,
    kill: Arc<Notify>,
    conn: Option<(ConnId, Arc<Actor>)>,
    auth_failures: u32,
    limits: Limits,
}

/// Serves one connection until either side closes. `actor` is set when the upgrade request
/// carried a valid session; otherwise the first frame must be `auth`.
pub async fn serve<S, R>(live: Live, sink: S, mut stream: R, actor: Option<Actor>)
where
    S: Sink<Message> + Unpin + Send + 'static,
    R: Stream<Item = Result<Message, axum::Error>> + Unpin,
{
    let limits = live.settings.clone();
    let (tx, rx) = mpsc::channel(limits.outbound_queue.max(8));
    let kill = Arc::new(Notify::new());
    let heard = LastHeard::new();
    let heartbeat = Duration::from_secs(limits.heartbeat_secs.max(1));
    let mut writer = tokio::spawn(writer::run(
        sink,
        rx,
        kill.clone(),
        heard.clone(),
        heartbeat,
    ));
    let mut session = Session {
        live,
        tx,
        kill,
        conn: None,
        auth_failures: 0,
        limits: Limits::new(tokio::time::Instant::now()),
    };
    let refused = match actor {
        Some(actor) => !session.signed_in(actor).await,
        None => false,
    };
    let auth_deadline = tokio::time::sleep(protocol::AUTH_TIMEOUT);
    tokio::pin!(auth_deadline);
    let mut stopping = session.live.hub.stopping();
    let mut writer_done = false;
    let mut peer_still_open = refused;
    let every = Duration::from_millis(limits.session_check_ms.max(10));
    let mut recheck = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    loop {
        if refused {
            break;
        }
        let msg = tokio::select! {
            msg = stream.next() => msg,
            _ = &mut writer => {
                writer_done = true;
                break;
            }
            Ok(()) = stopping.changed() => {
                let _ = session.tx.send(Outbound::Close(close::GOING_AWAY, "server shutting down")).await;
                break;
            }
            () = &mut auth_deadline, if session.conn.is_none() => {
                let _ = session.tx.send(Outbound::Close(close::AUTH_FAILED, "no auth in time")).await;
                break;
            }
            _ = recheck.tick(), if session.conn.is_some() => {
                if session.still_standing().await {
                    continue;
                }
                peer_still_open = true;
                break;
            }
        };
        heard.touch();
        let keep_going = match msg {
            Some(Ok(Message::Text(text))) => {
                let go_on = session.on_text(text.as_str()).await;
                // The server ends this one: read on until the peer answers the close, so that
                // closing with unread frames pending does not reset the connection before the
                // close frame is read.
                peer_still_open = !go_on;
                go_on
            }
            Some(Ok(Message::Binary(_))) => {
                session
                    .reply_error(&AppError::BinaryUnsupported, None)
                    .await
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => true,
            Some(Ok(Message::Close(_))) | None => false,
            Some(Err(err)) => {
                session.on_protocol_error(err).await;
                false
            }
        };
        if !keep_going {
            break;
        }
    }
    if let Some((id, _)) = session.conn.take() {
        session.live.hub.unregister(id);
    }
    drop(session);
    if peer_still_open {
        let _ = tokio::time::timeout(CLOSE_HANDSHAKE, async {
            while let Some(Ok(m)) = stream.next().await {
                if matches!(m, Message::Close(_)) {
                    break;
                }
            }
        })
        .await;
    }
    // The writer ends once its queue is dropped and drained; do not wait on a stuck peer forever.
    if !writer_done {
        let _ = tokio::time::timeout(Duration::from_secs(5), writer).await;
    }
}

impl Session {
    async fn send(&self, frame: ServerFrame) -> bool {
        self.tx
            .send(Outbound::Frame(frame.to_text().into()))
            .await
            .is_ok()
    }

    async fn reply_error(&self, err: &AppError, reference: Option<Value>) -> bool {
        self.send(ServerFrame::error(err, reference, None)).await
    }

    /// Too-big frames and broken UTF-8 close the socket with their standard codes.
    async fn on_protocol_error(&self, err: axum::Error) {
        let inner = err.into_inner();
        let code = match inner.downcast_ref::<tokio_tungstenite::tungstenite::Error>() {
            Some(tokio_tungstenite::tungstenite::Error::Capacity(_)) => close::TOO_BIG,
            Some(tokio_tungstenite::tungstenite::Error::Utf8(_)) => close::INVALID_UTF8,
            _ => return,
        };
        let reason = if code == close::TOO_BIG {
            "message too big"
        } else {
            "invalid UTF-8"
        };
        tracing::debug!(code, "closing after a protocol violation");
        let _ = self.tx.send(Outbound::Close(code, reason)).await;
    }

    /// Whether the session still holds and the person still has the powers the socket was
    /// opened with; if not, the socket is told to close (4003). A database that cannot answer
    /// now is no reason to close.
    async fn still_standing(&self) -> bool {
        let Some((_, actor)) = &self.conn else {
            return true;
        };
        let reason = match Actor::from_session(&self.live.auth, actor.session.clone()).await {
            Ok(now) if now.same_standing(actor) => return true,
            Ok(_) => "your account changed; sign in again",
            Err(AppError::Unauthenticated | AppError::SessionExpired) => "session ended",
            Err(_) => return true,
        };
        let _ = self
            .tx
            .send(Outbound::Close(close::SIGNED_OUT, reason))
            .await;
        false
    }

    /// Registers the signed-in socket; false (and a close queued) when the person has as many
    /// sockets open as they may.
    async fn signed_in(&mut self, actor: Actor) -> bool {
        let actor = Arc::new(actor);
        let hub = &self.live.hub;
        let status = if audience::starts_on_duty(&actor) {
            PresenceStatus::OnDuty
        } else {
            PresenceStatus::Online
        };
        let cap = self.live.settings.max_sockets_per_person;
        let Some(id) = hub.register(
            actor.clone(),
            status,
            self.tx.clone(),
            self.kill.clone(),
            cap,
        ) else {
            let close = Outbound::Close(close::TOO_MANY_SOCKETS, "too many open sockets");
            let _ = self.tx.send(close).await;
            return false;
        };
        // Signing out anywhere, or an administrator acting on the person, closes this socket.
        hub.follow(id, session_topic(&actor.session), None);
        hub.follow(id, user_topic(actor.id), None);
        self.conn = Some((id, actor.clone()));
        let limits = &self.live.settings;
        let hello = ServerFrame::Hello {
            user: (*actor).clone(),
            heartbeat_ms: limits.heartbeat_secs * 1000,
            max_frame_bytes: limits.max_frame_bytes,
            max_text_chars: limits.max_text_chars,
        };
        self.send(hello).await
    }

    /// Handles one text frame; false ends the connection.
    async fn on_text(&mut self, text: &str) -> bool {
        let Request { frame, reference } = match protocol::parse(text) {
            Ok(request) => request,
            Err((err, reference)) => return self.reply_error(&err, reference).await,
        };
        let Some((id, actor)) = self.conn.clone() else {
            return self.before_auth(frame, reference).await;
        };
        // Chat messages pace themselves: a socket's next frame is read only after the journal
        // answered its last one. Everything else counts against the socket's rate.
        let paced = matches!(frame, ClientFrame::Send { .. });
        let verdict = match paced {
            true => Verdict::Pass,
            false => self.limits.frame(tokio::time::Instant::now()),
        };
        match verdict {
            Verdict::Pass => {}
            Verdict::Refuse => {
                let err = AppError::RateLimited {
                    retry_after_secs: 1,
                };
                return self.reply_error(&err, reference).await;
            }
            Verdict::Close => {
                tracing::warn!(user = actor.id, "closing a socket that kept flooding");
                let close = Outbound::Close(close::TOO_MANY_FRAMES, "too many frames");
                let _ = self.tx.send(close).await;
                return false;
            }
        }
        let result = match frame {
            ClientFrame::Auth { .. } => Err(AppError::InvalidState("already signed in".into())),
            ClientFrame::Ping => return self.send(ServerFrame::Pong { reference }).await,
            ClientFrame::SubscribeQueue => self.subscribe_queue(id, &actor).await,
            ClientFrame::SubscribeDuty => self.subscribe_duty(id, &actor),
            ClientFrame::SubscribeOps => self.subscribe_ops(id, &actor),
            ClientFrame::Subscribe { ticket, after_seq } => {
                self.subscribe(id, &actor, ticket, after_seq).await
            }
            ClientFrame::Unsubscribe { ticket } => {
                self.live.hub.unfollow(id, &ticket_topic(ticket));
                Ok(())
            }
            ClientFrame::Send {
                ticket,
                client_id,
                text,
                file,
                internal,
            } => {
                let msg = Outgoing {
                    text: &text,
                    client_id: Some(&client_id),
                    file: file.as_deref(),
                    internal,
                };
                return self.post(&actor, ticket, &client_id, msg, reference).await;
            }
            ClientFrame::Typing { ticket } => {
                if !self.limits.typing(ticket, tokio::time::Instant::now()) {
                    return true;
                }
                self.typing(id, &actor, ticket)
            }
            ClientFrame::Presence { status } => self.set_presence(&actor, status),
        };
        match result {
            Ok(()) => true,
            Err(err) => self.reply_error(&err, reference).await,
        }
    }

    async fn before_auth(&mut self, frame: ClientFrame, reference: Option<Value>) -> bool {
        match frame {
            ClientFrame::Ping => self.send(ServerFrame::Pong { reference }).await,
            ClientFrame::Auth { token } => match Actor::from_token(&self.live.auth, &token).await {
                Ok(actor) => self.signed_in(actor).await,
                Err(err) => {
                    self.auth_failures += 1;
                    self.reply_error(&err, reference).await;
                    if self.auth_failures >= protocol::MAX_AUTH_ATTEMPTS {
                        let _ = self
                            .tx
                            .send(Outbound::Close(close::AUTH_FAILED, "authentication failed"))
                            .await;
                        return false;
                    }
                    true
                }
            },
            _ => {
                self.reply_error(&AppError::Unauthenticated, reference)
                    .await
            }
        }
    }

    /// Follows the matrix's changes, for those who get a matrix.
    fn subscribe_duty(&self, id: ConnId, actor: &Actor) -> Result<(), AppError> {
        if !crate::duty::allowed::may_view(actor) {
            return Err(AppError::Forbidden);
        }
        self.live.hub.follow(id, crate::duty::topic(), None);
        Ok(())
    }

    /// Follows monitors and incidents, for those who see them.
    fn subscribe_ops(&self, id: ConnId, actor: &Actor) -> Result<(), AppError> {
        if !crate::uptime::allowed::may_view(actor) {
            return Err(AppError::Forbidden);
        }
        self.live.hub.follow(id, crate::uptime::topic(), None);
        self.live.hub.follow(id, crate::alerting::topic(), None);
        Ok(())
    }

    /// The queue in pages of summaries, so that no frame outgrows what the socket may write.
    /// Changes published meanwhile are held behind the last page, so none is overwritten.
    async fn subscribe_queue(&self, id: ConnId, actor: &Actor) -> Result<(), AppError> {
        let topic = queue_topic();
        let pending = Outbound::Pending {
            topic: topic.clone(),
        };
        let _ = self.tx.send(pending).await;
        self.live.hub.follow(id, topic.clone(), None);
        let mut after = None;
        for page in 0..QUEUE_PAGES {
            let hd = &self.live.helpdesk;
            let all_open = service::Search::default();
            let listed = service::list_page(hd, actor, false, &all_open, after, QUEUE_PAGE).await;
            let (tickets, next) = match listed {
                Ok(found) => found,
                Err(err) => {
                    // Nothing more follows: release what was held, and say why.
                    self.live.hub.unfollow(id, &topic);
                    let text = ServerFrame::error(&err, None, None).to_text().into();
                    let done = Outbound::Snapshot {
                        topic,
                        upto: 0,
                        complete: true,
                        text,
                    };
                    let _ = self.tx.send(done).await;
                    return Ok(());
                }
            };
            let has_more = next.is_some() && page + 1 < QUEUE_PAGES;
            let frame = ServerFrame::Queue {
                tickets,
                page,
                has_more,
            };
            let out = Outbound::Snapshot {
                topic: topic.clone(),
                upto: 0,
                complete: !has_more,
                text: frame.to_text().into(),
            };
            if self.tx.send(out).await.is_err() || !has_more {
                return Ok(());
            }
            after = next;
        }
        Ok(())
    }

    fn typing(&self, id: ConnId, actor: &Actor, ticket: i64) -> Result<(), AppError> {
        let frame = ServerFrame::Typing {
            ticket,
            user_id: actor.id,
            name: actor.display_name.clone(),
        };
        if self
            .live
            .hub
            .relay(id, &ticket_topic(ticket), frame.to_text().into())
        {
            Ok(())
        } else {
            Err(AppError::InvalidState(
                "subscribe to the ticket first".into(),
            ))
        }
    }

    async fn subscribe(
        &self,
        id: ConnId,
        actor: &Actor,
        ticket: i64,
        after: i64,
    ) -> Result<(), AppError> {
        let helpdesk = &self.live.helpdesk;
        let found = service::ticket(helpdesk, actor, ticket).await?;
        let topic = ticket_topic(ticket);
        let _ = self
            .tx
            .send(Outbound::Pending {
                topic: topic.clone(),
            })
            .await;
        let mut concerns = vec![found.creator_id];
        concerns.extend(found.assignee_id);
        self.live.hub.follow(id, topic.clone(), Some(&concerns));
        let result = self.send_snapshots(actor, &found, after).await;
        if result.is_err() {
            self.live.hub.unfollow(id, &topic);
        }
        result
    }

    /// The log after `after`, in pages read through the help desk like any other read; the
    /// writer releases held live events after the last page.
    async fn send_snapshots(
        &self,
        actor: &Actor,
        found: &TicketView,
        after: i64,
    ) -> Result<(), AppError> {
        let topic = ticket_topic(found.id);
        let mut concerned = vec![found.creator_id];
        concerned.extend(found.assignee_id);
        let presence = self.live.hub.presence_of(&concerned);
        let mut after = after.max(0);
        loop {
            let helpdesk = &self.live.helpdesk;
            let (ticket, events) =
                service::history(helpdesk, actor, found.id, after, SNAPSHOT_PAGE).await?;
            let last_page = (events.len() as i64) < SNAPSHOT_PAGE;
            let chunks = chunk_by_size(events);
            let count = chunks.len();
            for (i, events) in chunks.into_iter().enumerate() {
                let complete = last_page && i + 1 == count;
                let upto = events.last().map_or(after, |e| e.seq);
                after = upto;
                let frame = ServerFrame::Snapshot {
                    ticket: ticket.clone(),
                    events,
                    has_more: !complete,
                    presence: presence.clone(),
                };
                let out = Outbound::Snapshot {
                    topic: topic.clone(),
                    upto,
                    complete,
                    text: frame.to_text().into(),
                };
                if self.tx.send(out).await.is_err() {
                    return Ok(());
                }
            }
            if last_page {
                return Ok(());
            }
        }
    }

    async fn post(
        &self,
        actor: &Actor,
        ticket: i64,
        client_id: &str,
        msg: Outgoing<'_>,
        reference: Option<Value>,
    ) -> bool {
        let client_id = client_id.to_string();
        match service::post_message(&self.live.helpdesk, actor, ticket, msg).await {
            Ok(posted) => {
                let ack = ServerFrame::Ack {
                    ticket,
                    client_id,
                    seq: posted.seq,
                    duplicate: posted.duplicate,
                };
                self.send(ack).await
            }
            Err(err) => {
                self.send(ServerFrame::error(&err, reference, Some(client_id)))
                    .await
            }
        }
    }

    fn set_presence(&mut self, actor: &Actor, status: PresenceStatus) -> Result<(), AppError> {
        if !self.limits.presence(tokio::time::Instant::now()) {
            return Err(AppError::RateLimited {
                retry_after_secs: 2,
            });
        }
        if status == PresenceStatus::Offline {
            return Err(AppError::BadFrame(
                "status must be on_duty, online or away".into(),
            ));
        }
        self.live.hub.set_status(actor.id, status);
        Ok(())
    }
}
