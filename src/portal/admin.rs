//! The admin listener: metrics for coordinators. Bound to loopback by default and never served
//! on the portal listener.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use hyper::service::service_fn;
use hyper::{Method, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::PortalState;
use super::respond::{Reply, fixed};

/// Serves `/metrics` and `/healthz` on `listener` until `shutdown` changes.
pub async fn serve_admin(
    listener: TcpListener,
    state: Arc<PortalState>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => return,
        };
        let Ok((stream, _)) = accepted else {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            continue;
        };
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let service = service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                let state = Arc::clone(&state);
                async move { Ok::<_, Infallible>(route(&state, request.method(), request.uri().path())) }
            });
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(std::time::Duration::from_secs(10));
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            let _ = tokio::time::timeout(std::time::Duration::from_secs(120), connection).await;
        });
    }
}

fn route(state: &PortalState, method: &Method, path: &str) -> Reply {
    if method != Method::GET && method != Method::HEAD {
        return fixed(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain; charset=utf-8",
            Bytes::from_static(b"method not allowed\n"),
            "no-store",
        );
    }
    match path {
        "/metrics" => fixed(
            StatusCode::OK,
            "text/plain; version=0.0.4; charset=utf-8",
            Bytes::from(state.metrics.render()),
            "no-store",
        ),
        "/healthz" => fixed(
            StatusCode::OK,
            "text/plain; charset=utf-8",
            Bytes::from_static(b"ok\n"),
            "no-store",
        ),
        _ => fixed(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            Bytes::from_static(b"not found: try /metrics\n"),
            "no-store",
        ),
    }
}
