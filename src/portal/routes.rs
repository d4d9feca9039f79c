//! Request routing for the portal listener: capture of foreign requests, the splash, answers,
//! the privacy page, assets and the RFC 8908 Captive Portal API.

use std::net::SocketAddr;

use bytes::Bytes;
use chrono::{TimeZone, Utc};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, StatusCode};
use rand::seq::SliceRandom;

use std::sync::Arc;

use super::probes::{self, OnlineAnswer};
use super::respond::{self, Reply};
use super::{Live, PortalState};
use crate::content::Notice;
use crate::i18n::Lang;
use crate::identity::Client;
use crate::pages::{
    AnswerView, AudienceGroupView, AudienceView, ErrorView, FeedbackView, Frame, NoticeView, OnlineView,
    PrivacyView, RedirectView, SplashView, TOKEN_MARK, URL_MARK, context,
};
use crate::rotation;
use crate::sessions;
use crate::store::GrantReason;
use crate::token::{Claims, TokenError, unix_now};
use crate::urls;

/// Largest answer form accepted; a real one is well under 1 KiB.
const MAX_FORM_BYTES: usize = 16 * 1024;

/// The request data every route uses: client, language and query parameters.
struct Visit<'a> {
    state: &'a PortalState,
    live: Arc<Live>,
    client: Client,
    lang: Lang,
    query: Vec<(String, String)>,
}

impl Visit<'_> {
    fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    fn text(&self, id: &str, args: &[(&str, &str)]) -> String {
        self.state.catalog.format(self.lang, id, args)
    }

    fn frame(&self, switch_url: String) -> Frame {
        Frame {
            lang: self.lang.code(),
            other_lang: other(self.lang).code(),
            switch_url,
            privacy_url: format!("/privacy?lang={}", self.lang),
            site_name: self.live.config.site.name.clone(),
        }
    }

    fn original_url(&self) -> String {
        self.param("url")
            .and_then(|url| urls::clean_original(url, &self.live.hosts))
            .unwrap_or_default()
    }
}

fn other(lang: Lang) -> Lang {
    match lang {
        Lang::Vi => Lang::En,
        Lang::En => Lang::Vi,
    }
}

/// Handles one request from `peer` and records how long it took, by route.
pub async fn handle(state: &PortalState, request: Request<Incoming>, peer: SocketAddr) -> Reply {
    let started = std::time::Instant::now();
    let live = state.live();
    let host = request_host(&request);
    let for_portal = host.as_deref().is_some_and(|host| live.hosts.contains(host));
    let route = match (for_portal, request.uri().path()) {
        (false, _) => "capture",
        (true, "/") => "splash",
        (true, "/answer") => "answer",
        (true, "/api/captive") => "api",
        (true, path) if path.starts_with("/assets/") || path == "/favicon.ico" => "asset",
        (true, _) => "page",
    };
    let reply = dispatch(state, live, request, host, for_portal, peer).await;
    state
        .metrics
        .http_duration
        .with_label_values(&[route])
        .observe(started.elapsed().as_secs_f64());
    reply
}

/// Returns the host a request names: the authority of an absolute-form target, else the `Host`
/// header.
fn request_host<B>(request: &Request<B>) -> Option<String> {
    request
        .uri()
        .authority()
        .map(|authority| authority.as_str().to_string())
        .or_else(|| header_text(request, header::HOST).map(str::to_string))
}

/// Routes one request; `host` and `for_portal` were read from it by [`handle`].
async fn dispatch(
    state: &PortalState,
    live: Arc<Live>,
    request: Request<Incoming>,
    host: Option<String>,
    for_portal: bool,
    peer: SocketAddr,
) -> Reply {
    let client = state
        .device_key
        .client(peer.ip(), state.neighbours.mac_of(peer.ip()));
    let query: Vec<(String, String)> = request
        .uri()
        .query()
        .map(|query| {
            form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .take(16)
                .collect()
        })
        .unwrap_or_default();
    let accepted = header_text(&request, header::ACCEPT_LANGUAGE).and_then(Lang::from_accept_language);
    let chosen = query
        .iter()
        .find(|(key, _)| key == "lang")
        .and_then(|(_, value)| value.parse().ok());
    let lang = chosen.or(accepted).unwrap_or(live.config.portal.default_language);
    let mut visit = Visit {
        state,
        live,
        client,
        lang,
        query,
    };

    if !for_portal {
        return capture(&visit, &request, host.as_deref()).await;
    }

    if visit
        .client
        .mac
        .is_some_and(|mac| visit.live.config.firewall.blocked_macs.contains(&mac))
    {
        return error_page(&visit, StatusCode::FORBIDDEN, "error-blocked", "/");
    }
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let readable = method == Method::GET || method == Method::HEAD;
    match (path.as_str(), readable) {
        ("/", true) => splash(&visit),
        ("/answer", _) if method == Method::POST => answer(&mut visit, request).await,
        ("/audience", _) if method == Method::POST => audience(&mut visit, request).await,
        ("/privacy", true) => privacy(&visit),
        ("/api/captive", true) => captive_api(&visit),
        // Browsers fetch this on their own; a redirect to the splash would count a view.
        ("/favicon.ico", true) => match visit.live.assets.get("favicon.ico") {
            Some(bytes) => respond::fixed(
                StatusCode::OK,
                "image/x-icon",
                bytes.clone(),
                "public, max-age=86400",
            ),
            None => back_to_splash(&visit),
        },
        (asset, true) if asset.starts_with("/assets/") => {
            match visit.live.assets.get(&asset["/assets/".len()..]) {
                Some(bytes) => respond::fixed(
                    StatusCode::OK,
                    respond::asset_type(asset),
                    bytes.clone(),
                    "public, max-age=86400",
                ),
                None => back_to_splash(&visit),
            }
        }
        // A GET of /answer, or any other path: never a 404 and never a grant.
        _ => back_to_splash(&visit),
    }
}

fn header_text<B>(request: &Request<B>, name: header::HeaderName) -> Option<&str> {
    request.headers().get(name).and_then(|value| value.to_str().ok())
}

fn now_seconds() -> i64 {
    i64::try_from(unix_now()).unwrap_or(i64::MAX)
}

/// Handles a request for any host but the portal's.
async fn capture(visit: &Visit<'_>, request: &Request<Incoming>, host: Option<&str>) -> Reply {
    let state = visit.state;
    let path = request.uri().path();
    let user_agent = header_text(request, header::USER_AGENT).unwrap_or("");
    let probe = probes::classify(path, user_agent);

    if session_remaining(visit).is_some() && state.firewall.enforces() {
        // The kernel redirected a device the store counts as online. Either its idle element ran
        // out, or this connection was redirected before the grant and conntrack keeps it so.
        // Only the kernel's sets tell which, so the session ends only when they no longer
        // contain the device.
        let check = state.firewall.presence_check(&visit.client);
        let present = match check {
            Some(check) => tokio::task::spawn_blocking(check).await.ok().flatten(),
            None => None,
        };
        if present == Some(false)
            && let Err(error) = sessions::end_idle(state, &visit.client.device).await
        {
            tracing::error!(%error, device = %visit.client.device, "failed to end an idle session");
        }
        // Still allowed: a browser reused a connection opened (and so redirected) before the
        // grant. Sending it back to the same URL on a closed connection makes it open a new one,
        // which the kernel lets through. Once per device every few seconds, so a rule that keeps
        // redirecting an allowed device cannot make the browser loop.
        let own_url = host.and_then(|host| {
            let path_and_query = request
                .uri()
                .path_and_query()
                .map(|value| value.as_str())
                .unwrap_or("/");
            urls::original_from_request(host, path_and_query, &visit.live.hosts)
        });
        if present == Some(true)
            && let Some(own_url) = own_url
            && state.stale_retries.allow(&visit.client.device)
        {
            tracing::debug!(device = %visit.client.device, "captured connection from an allowed device; retrying");
            let body = render_or_plain(
                visit,
                "redirect.html",
                &RedirectView {
                    location: own_url.clone(),
                },
                None,
            );
            return respond::close(respond::redirect(&own_url, visit.lang, body));
        }
    } else if session_remaining(visit).is_some() {
        // Only reached when the firewall does not hold devices back (the logging firewall);
        // answer probes as the internet would so the OS sees it is online.
        return match probe {
            Some((_, OnlineAnswer::NoContent)) => respond::fixed(
                StatusCode::NO_CONTENT,
                "text/plain; charset=utf-8",
                Bytes::new(),
                "no-store",
            ),
            Some((_, OnlineAnswer::Body(body))) => respond::fixed(
                StatusCode::OK,
                "text/html; charset=utf-8",
                Bytes::from_static(body.as_bytes()),
                "no-store",
            ),
            None => back_to_splash(visit),
        };
    }

    if let Some((os, _)) = probe {
        state.metrics.probes.with_label_values(&[os.label()]).inc();
    }
    let path_and_query = request
        .uri()
        .path_and_query()
        .map(|value| value.as_str())
        .unwrap_or("/");
    // A probe's URL is not a page the person wanted, so it is not offered as "continue".
    let original = match probe {
        Some(_) => None,
        None => host.and_then(|host| urls::original_from_request(host, path_and_query, &visit.live.hosts)),
    };
    let mut location = format!("{}/", visit.live.config.portal.url);
    if let Some(original) = original {
        location.push_str("?url=");
        location.extend(form_urlencoded::byte_serialize(original.as_bytes()));
    }
    let body = render_or_plain(
        visit,
        "redirect.html",
        &RedirectView {
            location: location.clone(),
        },
        None,
    );
    // A captured connection stays redirected by conntrack even after a grant, so it is closed
    // rather than kept alive for requests that should go to the internet.
    respond::close(respond::redirect(&location, visit.lang, body))
}

/// Redirects a portal request that has no page of its own to the splash.
fn back_to_splash(visit: &Visit<'_>) -> Reply {
    let location = format!("{}/?lang={}", visit.live.config.portal.url, visit.lang);
    let body = render_or_plain(
        visit,
        "redirect.html",
        &RedirectView {
            location: location.clone(),
        },
        None,
    );
    respond::redirect(&location, visit.lang, body)
}

fn session_remaining(visit: &Visit<'_>) -> Option<std::time::Duration> {
    visit.state.store.session_remaining(&visit.client.device)
}

/// `GET /`: the splash for a device not yet allowed, the status page for one that is.
fn splash(visit: &Visit<'_>) -> Reply {
    let url = visit.original_url();
    if let Some(remaining) = session_remaining(visit) {
        return online_page(visit, remaining, url, None, false);
    }
    let pinned = visit
        .param("notice")
        .and_then(|id| visit.live.content.get(id))
        .cloned();
    render_question(visit, url, None, None, 0, pinned)
}

/// Picks a notice, records the view and renders its question with a fresh token.
fn render_question(
    visit: &Visit<'_>,
    url: String,
    feedback: Option<FeedbackView>,
    exclude: Option<&str>,
    wrong_so_far: u32,
    pinned: Option<std::sync::Arc<Notice>>,
) -> Reply {
    let state = visit.state;
    let now = now_seconds();
    let today = Utc::now()
        .with_timezone(&visit.live.config.site.timezone)
        .date_naive();
    let notice = match pinned {
        Some(notice) => notice,
        None => {
            let history = state.store.history(&visit.client.device).unwrap_or_else(|error| {
                tracing::error!(%error, "failed to read rotation history; choosing as for a new device");
                Default::default()
            });
            let notices = visit.live.content.notices();
            // With no notice active today (all outside their dates), any notice beats no page.
            let chosen = rotation::choose(notices, &history, today, exclude)
                .or_else(|| notices.iter().find(|notice| Some(notice.id.as_str()) != exclude))
                .or_else(|| notices.first());
            match chosen {
                Some(notice) => notice.clone(),
                None => return error_page(visit, StatusCode::SERVICE_UNAVAILABLE, "error-no-notice", "/"),
            }
        }
    };

    let mut order: Vec<usize> = (0..notice.answers.len()).collect();
    order.shuffle(&mut rand::thread_rng());
    let token = state.signer.issue(
        &notice.id,
        &order,
        &visit.client.device,
        wrong_so_far,
        visit.live.config.quiz.question_lifetime,
    );
    let day = today.to_string();
    state
        .store
        .record_view(&visit.client.device, &notice.id, notice.topic.id(), now, &day);
    state
        .metrics
        .notice_views
        .with_label_values(&[&notice.id, notice.topic.id(), visit.lang.code()])
        .inc();

    let claims = Claims {
        notice: notice.id.clone(),
        order,
        device: visit.client.device.clone(),
        expires: 0,
        wrong_so_far,
        nonce: String::new(),
    };
    question_page(visit, &notice, &claims, token, url, feedback, false)
}

fn question_page(
    visit: &Visit<'_>,
    notice: &Notice,
    claims: &Claims,
    token: String,
    url: String,
    feedback: Option<FeedbackView>,
    needs_answer: bool,
) -> Reply {
    let lang = visit.lang;
    let status = if needs_answer {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    if feedback.is_some() || needs_answer {
        let body = splash_body(visit, notice, claims, token, url, feedback, needs_answer);
        return respond::html(status, lang, body);
    }
    // The common case, a plain question, comes from the cache with the token and URL filled in.
    let key = (notice.id.clone(), lang, claims.order.clone(), !url.is_empty());
    let url_mark = if url.is_empty() {
        String::new()
    } else {
        URL_MARK.to_string()
    };
    let body = visit.live.pages.cached_splash(key, &token, &url, || {
        splash_body(
            visit,
            notice,
            claims,
            TOKEN_MARK.to_string(),
            url_mark,
            None,
            false,
        )
    });
    respond::html(status, lang, body)
}

/// Renders `splash.html`. `url` may be [`URL_MARK`], which the switch link then carries as
/// [`URL_QUERY_MARK`].
fn splash_body(
    visit: &Visit<'_>,
    notice: &Notice,
    claims: &Claims,
    token: String,
    url: String,
    feedback: Option<FeedbackView>,
    needs_answer: bool,
) -> String {
    let lang = visit.lang;
    let answers = claims
        .order
        .iter()
        .enumerate()
        .filter_map(|(position, &index)| {
            let answer = notice.answers.get(index)?;
            Some(AnswerView {
                value: position,
                text: answer.text.get(lang).to_string(),
            })
        })
        .collect();
    let view = SplashView {
        notice: NoticeView {
            id: notice.id.clone(),
            topic: visit.text(&format!("topic-{}", notice.topic.id()), &[]),
            title: notice.title.get(lang).to_string(),
            body: notice.body.get(lang).to_string(),
            image: notice.image.as_ref().map(|image| format!("/assets/{image}")),
            link: notice.link.clone(),
        },
        question: notice.question.get(lang).to_string(),
        answers,
        token,
        url: url.clone(),
        feedback,
        needs_answer,
    };
    let mut switch_url = format!("/?lang={}&notice={}", other(lang), notice.id);
    if !url.is_empty() {
        switch_url.push_str("&url=");
        switch_url.extend(form_urlencoded::byte_serialize(url.as_bytes()));
    }
    render_or_plain(visit, "splash.html", &view, Some(switch_url))
}

/// A posted form, with its language already applied to the visit and its original URL cleaned.
struct Form {
    fields: Vec<(String, String)>,
    url: String,
}

impl Form {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// Reads a form body of at most [`MAX_FORM_BYTES`]; a larger one gets the error page.
async fn read_form(visit: &mut Visit<'_>, request: Request<Incoming>) -> Result<Form, Reply> {
    let body = match Limited::new(request.into_body(), MAX_FORM_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            return Err(error_page(
                visit,
                StatusCode::PAYLOAD_TOO_LARGE,
                "error-form-too-large",
                "/",
            ));
        }
    };
    let fields: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().take(16).collect();
    let form = Form {
        fields,
        url: String::new(),
    };
    if let Some(lang) = form.field("lang").and_then(|lang| lang.parse().ok()) {
        visit.lang = lang;
    }
    let url = form
        .field("url")
        .and_then(|url| urls::clean_original(url, &visit.live.hosts))
        .unwrap_or_default();
    Ok(Form { url, ..form })
}

/// `POST /answer`: checks the token and the answer, then grants or asks again.
async fn answer(visit: &mut Visit<'_>, request: Request<Incoming>) -> Reply {
    let state = visit.state;
    let form = match read_form(visit, request).await {
        Ok(form) => form,
        Err(reply) => return reply,
    };
    let field = |name: &str| form.field(name);
    let url = form.url.clone();
    let token = field("token").unwrap_or("");

    let now = unix_now();
    let claims = match state.signer.verify(token, &visit.client.device, now) {
        Ok(claims) => claims,
        Err(error) => return token_rejected(visit, error),
    };
    let Some(notice) = visit.live.content.get(&claims.notice).cloned() else {
        // The notice was removed by a content update since the question was shown.
        return token_rejected(visit, TokenError::Expired);
    };
    let chosen = field("answer")
        .and_then(|value| value.trim().parse::<usize>().ok())
        .and_then(|position| claims.order.get(position).copied())
        .filter(|&index| index < notice.answers.len());
    let Some(chosen) = chosen else {
        // Show the same question again with the same token, which is still unused.
        return question_page(visit, &notice, &claims, token.to_string(), url, None, true);
    };
    match state.store.use_token(&claims.nonce, claims.expires) {
        Ok(true) => {}
        Ok(false) => return token_rejected(visit, TokenError::Replayed),
        Err(error) => {
            // Failing open here at worst lets a device answer the same question twice.
            tracing::error!(%error, "failed to record used token; accepting the answer");
        }
    }

    let right = notice.answers[chosen].right;
    let result = if right { "right" } else { "wrong" };
    // The first answer of a visit to the splash: no wrong answer came before it on this token chain.
    let first = claims.wrong_so_far == 0;
    let attempt = if first { "first" } else { "retry" };
    let topic = notice.topic.id();
    state
        .metrics
        .answers
        .with_label_values(&[&notice.id, topic, result, attempt])
        .inc();
    let day = Utc::now()
        .with_timezone(&visit.live.config.site.timezone)
        .date_naive()
        .to_string();
    state.store.record_answer(&notice.id, topic, &day, right, first);
    tracing::debug!(device = %visit.client.device, notice = %notice.id, result, "answer received");

    let wrong_count = claims.wrong_so_far + u32::from(!right);
    let right_answer = notice.answers[notice.right_answer()]
        .text
        .get(visit.lang)
        .to_string();
    let mut feedback = FeedbackView {
        was_right: right,
        notice_title: notice.title.get(visit.lang).to_string(),
        right_answer,
        explanation: notice.explanation.get(visit.lang).to_string(),
        next_step: String::new(),
    };
    if right {
        feedback.next_step = visit.text("feedback-right", &[]);
        return grant(visit, GrantReason::RightAnswer, url, feedback).await;
    }
    if wrong_count >= visit.live.config.quiz.max_wrong_answers {
        feedback.next_step = visit.text("feedback-granted-anyway", &[]);
        return grant(visit, GrantReason::AfterWrongAnswers, url, feedback).await;
    }
    let left = (visit.live.config.quiz.max_wrong_answers - wrong_count).to_string();
    feedback.next_step = visit.text("feedback-try-another", &[("left", &left)]);
    render_question(visit, url, Some(feedback), Some(&notice.id), wrong_count, None)
}

/// The groups of the audience question, as metric label values.
const AUDIENCE_GROUPS: [&str; 6] = [
    "pupil",
    "student",
    "young_worker",
    "youth_union",
    "other",
    "prefer_not",
];

/// `POST /audience`: counts one anonymous answer per grant; nothing about the device is stored.
async fn audience(visit: &mut Visit<'_>, request: Request<Incoming>) -> Reply {
    let state = visit.state;
    let form = match read_form(visit, request).await {
        Ok(form) => form,
        Err(reply) => return reply,
    };
    let field = |name: &str| form.field(name);
    let url = form.url.clone();
    let Some(group) = field("group").and_then(|group| AUDIENCE_GROUPS.iter().find(|known| **known == group))
    else {
        return back_to_splash(visit);
    };
    match state
        .signer
        .verify_anonymous(field("token").unwrap_or(""), unix_now())
    {
        Ok((nonce, expires)) => match state.store.use_token(&nonce, expires) {
            Ok(true) => state.metrics.audience_answers.with_label_values(&[group]).inc(),
            Ok(false) => tracing::debug!("audience answer already counted"),
            Err(error) => {
                tracing::error!(%error, "failed to record an audience token; not counting the answer")
            }
        },
        Err(error) => tracing::debug!(%error, "audience answer rejected"),
    }
    // Whatever happened, the visitor is thanked and sees their status: the question was optional.
    let remaining = session_remaining(visit).unwrap_or_default();
    online_page(visit, remaining, url, None, true)
}

fn token_rejected(visit: &Visit<'_>, error: TokenError) -> Reply {
    visit
        .state
        .metrics
        .rejected_tokens
        .with_label_values(&[error.label()])
        .inc();
    tracing::debug!(device = %visit.client.device, %error, "answer rejected");
    let (status, message) = match error {
        TokenError::Malformed => (StatusCode::BAD_REQUEST, "error-token-malformed"),
        TokenError::Forged => (StatusCode::FORBIDDEN, "error-token-forged"),
        TokenError::OtherDevice => (StatusCode::FORBIDDEN, "error-token-other-device"),
        TokenError::Expired => (StatusCode::GONE, "error-token-expired"),
        TokenError::Replayed => (StatusCode::CONFLICT, "error-token-replayed"),
    };
    error_page(visit, status, message, &format!("/?lang={}", visit.lang))
}

/// Lets the device through, then answers with the online page and closes the connection.
async fn grant(visit: &Visit<'_>, reason: GrantReason, url: String, feedback: FeedbackView) -> Reply {
    match sessions::grant(visit.state, &visit.client, reason).await {
        Ok(length) => respond::close(online_page(visit, length, url, Some(feedback), false)),
        Err(_) => {
            // Logged and counted by `sessions::grant`; never a false "you are online".
            let retry = format!("/?lang={}", visit.lang);
            let mut reply = error_page(visit, StatusCode::SERVICE_UNAVAILABLE, "error-firewall", &retry);
            reply
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            reply
        }
    }
}

fn online_page(
    visit: &Visit<'_>,
    remaining: std::time::Duration,
    url: String,
    feedback: Option<FeedbackView>,
    thanks: bool,
) -> Reply {
    let seconds = i64::try_from(remaining.as_secs()).unwrap_or(0);
    let expires = now_seconds().saturating_add(seconds);
    let timezone = visit.live.config.site.timezone;
    let until = match timezone.timestamp_opt(expires, 0).single() {
        Some(local) => {
            let time = local.format("%H:%M").to_string();
            let date = local.format("%d/%m/%Y").to_string();
            let offset = local.format("%:z").to_string();
            let minutes = (seconds / 60).to_string();
            visit.text(
                "online-until",
                &[
                    ("time", &time),
                    ("date", &date),
                    ("offset", &offset),
                    ("minutes", &minutes),
                ],
            )
        }
        None => String::new(),
    };
    // The audience question is offered once, right after a grant, when the operator turned it on.
    let audience = (feedback.is_some() && visit.live.config.quiz.audience_question).then(|| AudienceView {
        token: visit
            .state
            .signer
            .issue_anonymous(visit.live.config.quiz.question_lifetime),
        groups: AUDIENCE_GROUPS
            .iter()
            .map(|id| AudienceGroupView {
                id,
                label: visit.text(&format!("audience-{}", id.replace('_', "-")), &[]),
            })
            .collect(),
    });
    let view = OnlineView {
        until,
        url,
        feedback,
        audience,
        audience_thanks: thanks,
    };
    render(
        visit,
        StatusCode::OK,
        "online.html",
        &view,
        format!("/?lang={}", other(visit.lang)),
    )
}

fn privacy(visit: &Visit<'_>) -> Reply {
    let config = &visit.live.config;
    let session_minutes = (config.session.length.as_secs() / 60).to_string();
    let history_days = (config.state.history_retention.as_secs() / 86_400)
        .max(1)
        .to_string();
    let question_minutes = (config.quiz.question_lifetime.as_secs() / 60).max(1).to_string();
    let reach_days = crate::store::reach::RETENTION_DAYS.to_string();
    let args = [
        ("reach_days", reach_days.as_str()),
        ("session_minutes", session_minutes.as_str()),
        ("history_days", history_days.as_str()),
        ("question_minutes", question_minutes.as_str()),
    ];
    let paragraphs = (1..=7)
        .map(|n| visit.text(&format!("privacy-{n}"), &args))
        .collect();
    let view = PrivacyView {
        paragraphs,
        back_url: format!("/?lang={}", visit.lang),
    };
    render(
        visit,
        StatusCode::OK,
        "privacy.html",
        &view,
        format!("/privacy?lang={}", other(visit.lang)),
    )
}

/// `GET /api/captive`: the RFC 8908 Captive Portal API.
fn captive_api(visit: &Visit<'_>) -> Reply {
    // RFC 8908 wants an https user-portal-url; the HTTP one stands in when no HTTPS listener
    // is configured.
    let portal = &visit.live.config.portal;
    let portal_url = format!(
        "{}/",
        portal.https.as_ref().map_or(&portal.url, |https| &https.url)
    );
    let mut body = serde_json::json!({ "captive": true, "user-portal-url": portal_url });
    if let Some(remaining) = session_remaining(visit) {
        body["captive"] = false.into();
        body["seconds-remaining"] = remaining.as_secs().into();
        body["can-extend-session"] = false.into();
    }
    respond::fixed(
        StatusCode::OK,
        "application/captive+json",
        Bytes::from(body.to_string()),
        "private",
    )
}

fn error_page(visit: &Visit<'_>, status: StatusCode, message: &str, retry_url: &str) -> Reply {
    let view = ErrorView {
        status: status.as_u16(),
        title: visit.text(&format!("{message}-title"), &[]),
        message: visit.text(message, &[]),
        retry_url: retry_url.to_string(),
    };
    render(
        visit,
        status,
        "error.html",
        &view,
        format!("/?lang={}", other(visit.lang)),
    )
}

fn render<V: serde::Serialize>(
    visit: &Visit<'_>,
    status: StatusCode,
    template: &str,
    view: &V,
    switch_url: String,
) -> Reply {
    let body = render_or_plain(visit, template, view, Some(switch_url));
    respond::html(status, visit.lang, body)
}

/// Renders a template; a failure, which start-up checks make unlikely, falls back to plain text
/// with a link to the splash instead of a 5xx.
fn render_or_plain<V: serde::Serialize>(
    visit: &Visit<'_>,
    template: &str,
    view: &V,
    switch_url: Option<String>,
) -> String {
    let frame = visit.frame(switch_url.unwrap_or_else(|| format!("/?lang={}", other(visit.lang))));
    let mut context = context(&frame, view);
    match visit.live.pages.render(template, visit.lang, &mut context) {
        Ok(body) => body,
        Err(error) => {
            tracing::error!(error = %crate::pages::error_chain(&error), template, "failed to render page");
            format!(
                "<!doctype html><meta charset=\"utf-8\"><p><a href=\"/\">{}</a></p>",
                visit.text("page-retry", &[])
            )
        }
    }
}
