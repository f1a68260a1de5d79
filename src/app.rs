//! Building and running the application: connect and migrate the database, optionally load the
//! demo, wire the bus to the hub, give each capability its slice of state, bind the listener
//! (port 0 allowed), run the jobs, and serve until told to stop — then drain within the grace
//! time.

use crate::alerting::Alerting;
use crate::auth::{Auth, Viewer};
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::Db;
use crate::duty::Duty;
use crate::events::LocalBus;
use crate::helpdesk::Helpdesk;
use crate::http::latency::HttpMetrics;
use crate::jobs::Jobs;
use crate::live::metrics::LiveMetrics;
use crate::live::{Hub, Live};
use crate::metrics::Metrics;
use crate::uptime::Uptime;
use axum::extract::FromRef;
use axum::Router;
use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// The whole state; each handler asks for the slice it needs.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub db: Db,
    pub metrics: Arc<Metrics>,
    pub http: Arc<HttpMetrics>,
    pub auth: Auth,
    pub helpdesk: Helpdesk,
    pub duty: Duty,
    pub uptime: Uptime,
    pub alerting: Alerting,
    pub live: Live,
    pub jobs: Jobs,
    pub scraper: crate::http::Scraper,
    pub settings: Arc<Settings>,
}

pub struct Application {
    listener: TcpListener,
    state: AppState,
    /// A clock browser tests move (debug builds only).
    #[cfg(debug_assertions)]
    test_clock: Option<Arc<crate::clock::OffsetClock>>,
}

impl Application {
    pub async fn build(settings: Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let timeout = Duration::from_millis(settings.database_timeout_ms);
        let db = Db::connect(&settings.database_url, timeout).await?;
        db.migrate().await?;
        if settings.demo {
            let hash = crate::auth::password::hash(crate::org::demo::DEMO_PASSWORD.into()).await?;
            let loaded = crate::org::demo::load(&db, clock.now(), &hash).await?;
            crate::helpdesk::replies::load_demo(&db, clock.now()).await?;
            let rules = crate::duty::Rules::new(&settings.duty, &settings.sla.time_zone)?;
            let officers = crate::duty::demo::load(&db, &rules, clock.now(), &hash).await?;
            tracing::info!(loaded, officers, "demo organisation ready");
        }
        let listener = crate::http::server::listen(&settings.listen)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.listen))?;
        if settings.demo && settings.uptime.demo_monitors {
            let addr = listener.local_addr()?;
            let monitors = crate::uptime::demo::load(&db, addr, clock.now()).await?;
            tracing::info!(monitors, "demo monitors ready");
        }
        let settings = Arc::new(settings);
        let metrics = Arc::new(Metrics::new());
        let hub = Arc::new(Hub::new(LiveMetrics::register(&metrics), clock.clone()));
        let bus = Arc::new(LocalBus::<Viewer>::default());
        let to_hub = hub.clone();
        bus.subscribe(Arc::new(move |events| to_hub.deliver(events)));
        let auth = Auth {
            db: db.clone(),
            clock: clock.clone(),
            bus: bus.clone(),
            settings: settings.clone(),
            gate: Arc::new(crate::auth::gate::Gate::new(settings.sign_in.clone())),
        };
        let duty = Duty::start(db.clone(), clock.clone(), bus.clone(), &metrics, &settings)?;
        let uptime = Uptime::start(db.clone(), clock.clone(), bus.clone(), &metrics, &settings)?;
        let on_call = Arc::new(duty.clone());
        let alerting = Alerting::start(
            db.clone(),
            clock.clone(),
            bus.clone(),
            on_call,
            &metrics,
            &settings,
        )?;
        let helpdesk = Helpdesk::start(db.clone(), clock, bus, &metrics, &settings)?;
        let live = Live {
            hub,
            settings: Arc::new(settings.live.clone()),
            auth: auth.clone(),
            helpdesk: helpdesk.clone(),
        };
        crate::helpdesk::uploads::schedule_sweep(&helpdesk, helpdesk.clock.now()).await?;
        crate::audit::retention::schedule(&db, helpdesk.clock.now()).await?;
        crate::jobs::statistics::schedule(&db, helpdesk.clock.now()).await?;
        crate::helpdesk::sla::sweep::start(&db, helpdesk.clock.as_ref()).await?;
        crate::duty::missed::start(&db, helpdesk.clock.as_ref()).await?;
        crate::uptime::prune::start(&db, helpdesk.clock.as_ref()).await?;
        let state = AppState {
            jobs: Jobs::new(
                db.clone(),
                job_handlers(&helpdesk, &duty, &uptime, &alerting, &settings),
            ),
            scraper: crate::http::Scraper {
                token: settings.metrics_token.as_deref().map(Arc::from),
            },
            http: HttpMetrics::register(&metrics),
            db,
            metrics,
            auth,
            helpdesk,
            duty,
            uptime,
            alerting,
            live,
            settings,
        };
        Ok(Self {
            listener,
            state,
            #[cfg(debug_assertions)]
            test_clock: None,
        })
    }

    /// Serves `POST /api/test/clock` (`{"advance_ms": n}`), which moves `clock` on. Debug
    /// builds only: a release build does not have it.
    #[cfg(debug_assertions)]
    pub fn with_test_clock(mut self, clock: Arc<crate::clock::OffsetClock>) -> Self {
        self.test_clock = Some(clock);
        self
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    fn router(&self) -> Router {
        let s = &self.state;
        let routes = Router::new()
            .merge(crate::auth::routes::router())
            .merge(crate::auth::people::router())
            .merge(crate::audit::routes::router())
            .merge(crate::helpdesk::routes::router())
            .merge(crate::helpdesk::sla::routes::router())
            .merge(crate::duty::routes::router())
            .merge(crate::uptime::routes::router())
            .merge(crate::alerting::routes::router())
            .merge(crate::helpdesk::files::router(s.settings.max_upload_bytes))
            .merge(crate::live::routes::router())
            .merge(crate::http::router(s.settings.demo))
            .merge(demo_systems(s.settings.demo))
            .with_state(s.clone());
        #[cfg(debug_assertions)]
        let routes = match &self.test_clock {
            Some(clock) => routes.merge(crate::http::test_clock::router(clock.clone())),
            None => routes,
        };
        let scheme = crate::http::origin::Scheme {
            https: s.settings.cookie_secure,
        };
        crate::http::layered(routes, s.http.clone(), scheme)
    }

    /// Serves until `shutdown` completes; then stops accepting, closes live sockets (1001),
    /// lets requests in flight finish for at most the grace time, commits and answers what the
    /// journal holds, and closes the database.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let router = self.router();
        let state = self.state;
        let grace = Duration::from_millis(state.settings.shutdown_grace_ms);
        let (signalled, on_signal) = watch::channel(false);
        let hub = state.live.hub.clone();
        let graceful = async move {
            shutdown.await;
            tracing::info!("shutting down: no new connections; draining");
            signalled.send_replace(true);
            hub.shut_down();
        };
        let jobs = tokio::spawn(run_jobs(state.clone(), on_signal.clone()));
        let tick = state.settings.uptime.tick_ms;
        let prober = tokio::spawn(crate::uptime::prober::run(
            state.uptime.clone(),
            tick,
            on_signal.clone(),
        ));
        let discipline = crate::http::server::Discipline {
            header_timeout: Duration::from_millis(state.settings.header_timeout_ms.max(100)),
            idle_timeout: Duration::from_millis(state.settings.idle_timeout_ms.max(100)),
            max_connections: crate::http::server::connection_capacity(
                state.settings.max_connections,
            ),
        };
        tracing::info!(
            connections = discipline.max_connections,
            "accepting connections"
        );
        let drained = crate::http::server::serve(self.listener, router, discipline, graceful).await;
        if tokio::time::timeout(grace, drained).await.is_err() {
            tracing::warn!(?grace, "grace time over; dropping the connections left");
        }
        jobs.abort();
        prober.abort();
        state.uptime.release().await;
        let drained = tokio::time::timeout(grace, state.helpdesk.journal.close()).await;
        if drained.is_err() {
            tracing::error!("the journal did not drain within the grace time");
        }
        // A pool waits for its connections to close; on a dead link that could take minutes.
        if tokio::time::timeout(grace, state.db.close()).await.is_err() {
            tracing::warn!("the database connections did not close within the grace time");
        }
        Ok(())
    }
}

/// Every kind of background job, and who runs it.
fn job_handlers(
    helpdesk: &Helpdesk,
    duty: &Duty,
    uptime: &Uptime,
    alerting: &Alerting,
    settings: &Settings,
) -> HashMap<String, crate::jobs::Handler> {
    let sweep = crate::helpdesk::uploads::sweep_job(helpdesk.clone());
    let (db, clock) = (helpdesk.db.clone(), helpdesk.clock.clone());
    let retention = crate::audit::retention::job(db, clock, settings.audit_retention_days);
    let statistics = crate::jobs::statistics::job(helpdesk.db.clone(), helpdesk.clock.clone());
    let sla = &crate::helpdesk::sla::sweep::KIND;
    let escalate = &crate::helpdesk::sla::chain::KIND;
    HashMap::from([
        (
            sla.to_string(),
            crate::helpdesk::sla::sweep::job(helpdesk.clone()),
        ),
        (
            escalate.to_string(),
            crate::helpdesk::sla::escalate::job(helpdesk.clone()),
        ),
        (crate::helpdesk::uploads::SWEEP.to_string(), sweep),
        (crate::audit::retention::KIND.to_string(), retention),
        (crate::jobs::statistics::KIND.to_string(), statistics),
        (
            crate::duty::missed::KIND.to_string(),
            crate::duty::missed::job(duty.clone()),
        ),
        (
            crate::uptime::prune::KIND.to_string(),
            crate::uptime::prune::job(uptime.clone()),
        ),
        (
            crate::events::alarm::KIND.to_string(),
            crate::alerting::intake::job(alerting.clone()),
        ),
        (
            crate::alerting::climb::KIND.to_string(),
            crate::alerting::climb::job(alerting.clone()),
        ),
        (
            crate::alerting::webhooks::KIND.to_string(),
            crate::alerting::webhooks::job(alerting.clone()),
        ),
    ])
}

/// The pages the demo's monitors check, when the demo is loaded.
fn demo_systems<S: Clone + Send + Sync + 'static>(demo: bool) -> Router<S> {
    if demo {
        crate::uptime::demo::router()
    } else {
        Router::new()
    }
}

/// Runs due jobs on the application's clock every interval until shutdown.
async fn run_jobs(state: AppState, mut stop: watch::Receiver<bool>) {
    let every = state.settings.job_interval_ms;
    if every == 0 {
        return;
    }
    let mut tick = tokio::time::interval(Duration::from_millis(every));
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        let now = state.auth.clock.now();
        if let Err(e) = state.jobs.run_due(now).await {
            tracing::warn!(error = %e, "jobs: cannot claim due work");
        }
    }
}
