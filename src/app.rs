//! Building and running the application: connect and migrate the database, optionally load
//! the demo, bind the listener (port 0 allowed) and serve until told to stop.

use crate::clock::Clock;
use crate::config::Settings;
use crate::db::Db;
use crate::helpdesk::journal::Journal;
use crate::http::metrics::Metrics;
use crate::live::Hub;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Everything a request handler or a connection task needs, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<Settings>,
    pub hub: Arc<Hub>,
    pub journal: Journal,
    pub metrics: Arc<Metrics>,
}

pub struct Application {
    listener: TcpListener,
    state: AppState,
}

impl Application {
    pub async fn build(settings: Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let db = Db::connect(&settings.database_url).await?;
        db.migrate().await?;
        if settings.demo {
            let loaded = crate::org::demo::load(&db, clock.now()).await?;
            tracing::info!(loaded, "demo organisation ready");
        }
        let listener = TcpListener::bind(&settings.listen)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.listen))?;
        let metrics = Arc::new(Metrics::new());
        let hub = Arc::new(Hub::new(metrics.clone()));
        let journal = Journal::start(db.clone(), hub.clone(), clock.clone(), metrics.clone());
        let state = AppState {
            db,
            clock,
            settings: Arc::new(settings),
            hub,
            journal,
            metrics,
        };
        Ok(Self { listener, state })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then closes the database.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let app = crate::http::router(self.state.clone());
        let hub = self.state.hub.clone();
        let shutdown = async move {
            shutdown.await;
            hub.shut_down();
        };
        axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown)
            .await?;
        self.state.db.close().await;
        Ok(())
    }
}
