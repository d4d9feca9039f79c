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

/// Serves `/metrics` and `/healthz` on `listener` until `shutdown` changes; over TLS when
/// `[admin]` names a certificate.
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
        let tls = state.admin_tls.as_ref().map(|slot| slot.get());
        tokio::spawn(async move {
            let Some(config) = tls else {
                serve(stream, state).await;
                return;
            };
            let acceptor = tokio_rustls::TlsAcceptor::from(config);
            match tokio::time::timeout(std::time::Duration::from_secs(10), acceptor.accept(stream)).await {
                Ok(Ok(stream)) => serve(stream, state).await,
                Ok(Err(error)) => tracing::debug!(%error, "admin TLS handshake failed"),
                Err(_) => tracing::debug!("admin TLS handshake timed out"),
            }
        });
    }
}

async fn serve<S>(stream: S, state: Arc<PortalState>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
        let state = Arc::clone(&state);
        async move { Ok::<_, Infallible>(route(&state, &request)) }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(std::time::Duration::from_secs(10));
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(120), connection).await;
}

fn route(state: &PortalState, request: &hyper::Request<hyper::body::Incoming>) -> Reply {
    let (method, path) = (request.method(), request.uri().path());
    if method != Method::GET && method != Method::HEAD {
        return fixed(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain; charset=utf-8",
            Bytes::from_static(b"method not allowed\n"),
            "no-store",
        );
    }
    let accepted = &state.live().config.admin.authorizations;
    let presented = request
        .headers()
        .get(hyper::header::AUTHORIZATION)
        .map(|value| value.as_bytes());
    let authorized = accepted.is_empty()
        || presented.is_some_and(|presented| {
            accepted
                .iter()
                .any(|accepted| bool::from(subtle::ConstantTimeEq::ct_eq(accepted.as_bytes(), presented)))
        });
    if path == "/metrics" && !authorized {
        let mut reply = fixed(
            StatusCode::UNAUTHORIZED,
            "text/plain; charset=utf-8",
            Bytes::from_static(b"authorization required: see [admin] in the antoan configuration\n"),
            "no-store",
        );
        reply.headers_mut().insert(
            hyper::header::WWW_AUTHENTICATE,
            hyper::header::HeaderValue::from_static("Basic realm=\"antoan\""),
        );
        return reply;
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
