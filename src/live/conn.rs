//! One WebSocket connection: the receive half reads and answers frames, the send half
//! (`writer`) drains the connection's queue; `select!` ends both when either ends.
//! Written against generic `Sink`/`Stream` halves so it does not need a real socket.

use super::hub::{ConnId, Outbound};
use super::protocol::{self, close, ClientFrame, PresenceStatus, Request, ServerFrame};
use super::writer::{self, LastHeard};
use crate::app::AppState;
use crate::auth::Actor;
use crate::error::AppError;
use crate::helpdesk::repo::{Ticket, TicketEvent};
use crate::helpdesk::service::Outgoing;
use crate::helpdesk::{repo, service};
use axum::extract::ws::Message;
use futures_util::{Sink, Stream, StreamExt};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, Notify};

/// Log entries read per snapshot query.
const SNAPSHOT_PAGE: i64 = 500;
/// Roughly the largest snapshot frame, so that no frame outgrows the socket's write buffer.
const SNAPSHOT_BYTES: usize = 256 * 1024;

/// Splits log entries into runs of about `SNAPSHOT_BYTES` of text each, in order; always at
/// least one run, possibly empty.
fn chunk_by_size(events: Vec<TicketEvent>) -> Vec<Vec<TicketEvent>> {
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
    state: AppState,
    tx: mpsc::Sender<Outbound>,
    kill: Arc<Notify>,
    conn: Option<(ConnId, Arc<Actor>)>,
    auth_failures: u32,
}

/// Serves one connection until either side closes. `actor` is set when the upgrade request
/// carried a valid session; otherwise the first frame must be `auth`.
pub async fn serve<S, R>(state: AppState, sink: S, mut stream: R, actor: Option<Actor>)
where
    S: Sink<Message> + Unpin + Send + 'static,
    R: Stream<Item = Result<Message, axum::Error>> + Unpin,
{
    let live = state.settings.live.clone();
    let (tx, rx) = mpsc::channel(live.outbound_queue.max(8));
    let kill = Arc::new(Notify::new());
    let heard = LastHeard::new();
    let heartbeat = Duration::from_secs(live.heartbeat_secs.max(1));
    let mut writer = tokio::spawn(writer::run(
        sink,
        rx,
        kill.clone(),
        heard.clone(),
        heartbeat,
    ));
    let mut session = Session {
        state,
        tx,
        kill,
        conn: None,
        auth_failures: 0,
    };
    if let Some(actor) = actor {
        session.signed_in(actor).await;
    }
    let auth_deadline = tokio::time::sleep(protocol::AUTH_TIMEOUT);
    tokio::pin!(auth_deadline);
    let mut stopping = session.state.hub.stopping();
    let mut writer_done = false;
    loop {
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
        };
        heard.touch();
        let keep_going = match msg {
            Some(Ok(Message::Text(text))) => session.on_text(text.as_str()).await,
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
        session.state.hub.unregister(id);
    }
    drop(session);
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

    async fn signed_in(&mut self, actor: Actor) {
        let actor = Arc::new(actor);
        let id = self
            .state
            .hub
            .register(actor.clone(), self.tx.clone(), self.kill.clone());
        self.conn = Some((id, actor.clone()));
        let live = &self.state.settings.live;
        let hello = ServerFrame::Hello {
            user: (*actor).clone(),
            heartbeat_ms: live.heartbeat_secs * 1000,
            max_frame_bytes: live.max_frame_bytes,
            max_text_chars: live.max_text_chars,
        };
        self.send(hello).await;
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
        let result = match frame {
            ClientFrame::Auth { .. } => Err(AppError::InvalidState("already signed in".into())),
            ClientFrame::Ping => return self.send(ServerFrame::Pong { reference }).await,
            ClientFrame::SubscribeQueue => self.subscribe_queue(id, &actor).await,
            ClientFrame::Subscribe { ticket, after_seq } => {
                self.subscribe(id, &actor, ticket, after_seq).await
            }
            ClientFrame::Unsubscribe { ticket } => {
                self.state.hub.unfollow_ticket(id, ticket);
                Ok(())
            }
            ClientFrame::Send {
                ticket,
                client_id,
                text,
                file,
            } => {
                let msg = Outgoing {
                    text: &text,
                    client_id: Some(&client_id),
                    file: file.as_deref(),
                };
                return self.post(&actor, ticket, &client_id, msg, reference).await;
            }
            ClientFrame::Typing { ticket } => match self.state.hub.typing(id, ticket) {
                true => Ok(()),
                false => Err(AppError::InvalidState(
                    "subscribe to the ticket first".into(),
                )),
            },
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
            ClientFrame::Auth { token } => match Actor::from_token(&self.state, &token).await {
                Ok(actor) => {
                    self.signed_in(actor).await;
                    true
                }
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

    async fn subscribe_queue(&self, id: ConnId, actor: &Actor) -> Result<(), AppError> {
        self.state.hub.follow_queue(id);
        let tickets = service::list_visible(&self.state, actor, false).await?;
        self.send(ServerFrame::Queue { tickets }).await;
        Ok(())
    }

    async fn subscribe(
        &self,
        id: ConnId,
        actor: &Actor,
        ticket: i64,
        after: i64,
    ) -> Result<(), AppError> {
        let found = service::visible(&self.state, actor, ticket).await?;
        let _ = self.tx.send(Outbound::Pending { ticket }).await;
        self.state.hub.follow_ticket(id, found.scope(), ticket);
        let result = self.send_snapshots(&found, after).await;
        if result.is_err() {
            self.state.hub.unfollow_ticket(id, ticket);
        }
        result
    }

    /// The log after `after`, in pages; the writer releases held live events after the last.
    async fn send_snapshots(&self, found: &Ticket, after: i64) -> Result<(), AppError> {
        let ticket = found.id;
        let mut people = vec![found.creator_id];
        people.extend(found.assignee_id);
        let presence = self.state.hub.presence_of(&people);
        let mut after = after.max(0);
        loop {
            let mut conn = self.state.db.read().acquire().await?;
            let events = repo::events_after(&mut conn, ticket, after, SNAPSHOT_PAGE).await?;
            drop(conn);
            let last_page = (events.len() as i64) < SNAPSHOT_PAGE;
            let chunks = chunk_by_size(events);
            let count = chunks.len();
            for (i, events) in chunks.into_iter().enumerate() {
                let complete = last_page && i + 1 == count;
                let upto = events.last().map_or(after, |e| e.seq);
                after = upto;
                let frame = ServerFrame::Snapshot {
                    ticket: found.clone(),
                    events,
                    has_more: !complete,
                    presence: presence.clone(),
                };
                let out = Outbound::Snapshot {
                    ticket,
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
        match service::post_message(&self.state, actor, ticket, msg).await {
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

    fn set_presence(&self, actor: &Actor, status: PresenceStatus) -> Result<(), AppError> {
        if status == PresenceStatus::Offline {
            return Err(AppError::BadFrame(
                "status must be on_duty, online or away".into(),
            ));
        }
        self.state.hub.set_status(actor.id, status);
        Ok(())
    }
}
