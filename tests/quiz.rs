//! The check: splash, answers, tokens, grants, and what the device sees after.

mod common;

use std::net::IpAddr;

use antoan::token::{Claims, unix_now};
use common::{TestPortal, form_encode, metric_value, parse_splash, send};

fn answer_form(token: &str, position: usize, url: Option<&str>) -> String {
    let mut form = format!("token={}&answer={position}&lang=vi", form_encode(token));
    if let Some(url) = url {
        form.push_str(&format!("&url={}", form_encode(url)));
    }
    form
}

#[tokio::test]
async fn probe_then_wrong_then_right_grants_and_counts() {
    let portal = TestPortal::start("").await;

    let probe = send(
        portal.portal(),
        b"GET /generate_204 HTTP/1.1\r\nHost: connectivitycheck.gstatic.com\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(probe.status, 302);
    let page = send(
        portal.portal(),
        b"GET /news HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
    )
    .await;
    let location = page.header("location").expect("redirected");
    let splash_path = &location[location.find("/?").expect("path")..];
    let first = portal.get(splash_path).await;
    assert_eq!(first.status, 200);
    let first = parse_splash(&first.body);
    assert_eq!(first.url.as_deref(), Some("http://example.com/news"));
    assert!((2..=4).contains(&first.answers.len()));

    let wrong = portal
        .post_form(
            "/answer",
            &answer_form(&first.token, portal.wrong_position(&first), first.url.as_deref()),
        )
        .await;
    assert_eq!(wrong.status, 200);
    assert!(
        wrong.body.contains("class=\"feedback wrong\""),
        "explanation shown"
    );
    let notice = portal
        .running
        .state
        .live()
        .content
        .get(&first.notice)
        .expect("loaded")
        .clone();
    assert!(
        wrong.body.contains(&notice.explanation.vi),
        "the explanation of the answered notice is shown"
    );
    let second = parse_splash(&wrong.body);
    assert_ne!(
        second.notice, first.notice,
        "the next question is about another notice"
    );
    assert_eq!(second.url, first.url, "the original URL is carried on");

    let right = portal
        .post_form(
            "/answer",
            &answer_form(
                &second.token,
                portal.right_position(&second),
                second.url.as_deref(),
            ),
        )
        .await;
    assert_eq!(right.status, 200);
    assert!(
        right.body.contains("Bạn đã được kết nối internet"),
        "{}",
        right.body
    );
    assert_eq!(
        right.header("connection"),
        Some("close"),
        "the grant response closes the connection"
    );
    assert!(
        right
            .body
            .contains("href=\"http:&#x2F;&#x2F;example.com&#x2F;news\""),
        "link to the original URL"
    );

    let metrics = portal.metrics().await;
    assert_eq!(
        metric_value(
            &metrics,
            "antoan_notice_views_total",
            &[("notice", &first.notice), ("lang", "vi")]
        ),
        Some(1.0)
    );
    assert_eq!(
        metric_value(
            &metrics,
            "antoan_answers_total",
            &[("notice", &first.notice), ("result", "wrong")]
        ),
        Some(1.0)
    );
    assert_eq!(
        metric_value(
            &metrics,
            "antoan_answers_total",
            &[("notice", &second.notice), ("result", "right")]
        ),
        Some(1.0)
    );
    assert_eq!(
        metric_value(&metrics, "antoan_grants_total", &[("reason", "right_answer")]),
        Some(1.0)
    );
    assert_eq!(
        metric_value(&metrics, "antoan_probe_requests_total", &[("os", "android")]),
        Some(1.0)
    );
    assert!(!metrics.contains("127.0.0.1"), "no address in metrics");

    let api = portal.get("/api/captive").await;
    let body: serde_json::Value = serde_json::from_str(&api.body).expect("JSON");
    assert_eq!(body["captive"], false);
    assert!(
        body["seconds-remaining"]
            .as_i64()
            .is_some_and(|seconds| seconds > 3500 && seconds <= 3600),
        "{body}"
    );

    let probe_again = send(
        portal.portal(),
        b"GET /generate_204 HTTP/1.1\r\nHost: connectivitycheck.gstatic.com\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(
        probe_again.status, 204,
        "an allowed device's probe sees the internet's answer"
    );
    let status_page = portal.get("/").await;
    assert!(
        status_page.body.contains("Bạn đã được kết nối internet"),
        "an allowed device sees its status, not a new question"
    );
}

#[tokio::test]
async fn wrong_answers_up_to_the_limit_still_grant() {
    let portal = TestPortal::start("[quiz]\nmax_wrong_answers = 3").await;
    let mut page = parse_splash(&portal.get("/").await.body);
    for round in 1..=3 {
        let response = portal
            .post_form(
                "/answer",
                &answer_form(&page.token, portal.wrong_position(&page), None),
            )
            .await;
        assert_eq!(response.status, 200);
        if round < 3 {
            assert!(response.body.contains("data-notice="), "round {round} asks again");
            page = parse_splash(&response.body);
        } else {
            assert!(
                response.body.contains("Bạn đã được kết nối internet"),
                "third wrong answer grants anyway"
            );
            assert!(
                response.body.contains("class=\"feedback wrong\""),
                "with the explanation"
            );
        }
    }
    let metrics = portal.metrics().await;
    assert_eq!(
        metric_value(
            &metrics,
            "antoan_grants_total",
            &[("reason", "after_wrong_answers")]
        ),
        Some(1.0)
    );
    assert_eq!(
        metric_value(&metrics, "antoan_grants_total", &[("reason", "right_answer")]),
        Some(0.0)
    );
}

#[tokio::test]
async fn replayed_token_rejected() {
    let portal = TestPortal::start("[quiz]\nmax_wrong_answers = 5").await;
    let page = parse_splash(&portal.get("/").await.body);
    let form = answer_form(&page.token, portal.wrong_position(&page), None);
    assert_eq!(portal.post_form("/answer", &form).await.status, 200);
    let again = portal.post_form("/answer", &form).await;
    assert_eq!(again.status, 409);
    assert!(again.body.contains("Câu hỏi đã được trả lời"), "{}", again.body);
    let metrics = portal.metrics().await;
    assert_eq!(
        metric_value(
            &metrics,
            "antoan_rejected_tokens_total",
            &[("reason", "replayed")]
        ),
        Some(1.0)
    );
    assert_eq!(
        metric_value(&metrics, "antoan_grants_total", &[("reason", "right_answer")]),
        Some(0.0)
    );
}

#[tokio::test]
async fn forged_and_garbage_tokens_grant_nothing() {
    let portal = TestPortal::start("").await;
    let page = parse_splash(&portal.get("/").await.body);
    let right = portal.right_position(&page);
    let (payload, _) = page.token.split_once('.').expect("two parts");
    let forged = format!("{payload}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    let cases = [
        (forged.as_str(), 403, "Câu hỏi không hợp lệ"),
        ("", 400, "Không đọc được câu trả lời"),
        ("%%%garbage%%%", 400, "Không đọc được câu trả lời"),
        ("abc.def", 400, "Không đọc được câu trả lời"),
    ];
    for (token, status, title) in cases {
        let response = portal
            .post_form("/answer", &answer_form(token, right, None))
            .await;
        assert_eq!(response.status, status, "token {token:?}");
        assert!(
            response.body.contains(title),
            "token {token:?}: {}",
            response.body
        );
    }
    let missing = portal.post_form("/answer", &format!("answer={right}")).await;
    assert_eq!(missing.status, 400);
    let metrics = portal.metrics().await;
    assert_eq!(
        metric_value(&metrics, "antoan_grants_total", &[("reason", "right_answer")]),
        Some(0.0)
    );
}

#[tokio::test]
async fn expired_token_rejected_in_visitor_language() {
    let portal = TestPortal::start("").await;
    let page = parse_splash(&portal.get("/").await.body);
    let signer = &portal.running.state.signer;
    let device = portal
        .running
        .state
        .device_key
        .client("127.0.0.1".parse().expect("valid"), None)
        .device;
    let mut claims: Claims = signer
        .verify(&page.token, &device, unix_now())
        .expect("valid token");
    claims.expires = unix_now() - 10;
    let expired = signer.sign(&claims);
    let form = format!(
        "token={}&answer={}&lang=en",
        form_encode(&expired),
        portal.right_position(&page)
    );
    let response = portal.post_form("/answer", &form).await;
    assert_eq!(response.status, 410);
    assert!(response.body.contains("<html lang=\"en\">"));
    assert!(
        response.body.contains("The question has expired"),
        "{}",
        response.body
    );
}

#[tokio::test]
async fn token_from_another_client_rejected() {
    let portal = TestPortal::start("").await;
    let page = parse_splash(&portal.get("/").await.body);
    let other: IpAddr = "127.0.0.2".parse().expect("valid");
    let response = portal
        .post_form_from(
            Some(other),
            "/answer",
            &answer_form(&page.token, portal.right_position(&page), None),
        )
        .await;
    assert_eq!(response.status, 403);
    assert!(response.body.contains("thiết bị khác"), "{}", response.body);
}

#[tokio::test]
async fn get_never_grants() {
    let portal = TestPortal::start("").await;
    let page = parse_splash(&portal.get("/").await.body);
    let path = format!(
        "/answer?{}",
        answer_form(&page.token, portal.right_position(&page), None)
    );
    let response = portal.get(&path).await;
    assert_eq!(response.status, 302);
    let metrics = portal.metrics().await;
    assert_eq!(
        metric_value(&metrics, "antoan_grants_total", &[("reason", "right_answer")]),
        Some(0.0)
    );
    let api: serde_json::Value = serde_json::from_str(&portal.get("/api/captive").await.body).expect("JSON");
    assert_eq!(api["captive"], true);
}

#[tokio::test]
async fn missing_answer_shows_same_question_again() {
    let portal = TestPortal::start("").await;
    let page = parse_splash(&portal.get("/").await.body);
    let response = portal
        .post_form("/answer", &format!("token={}&lang=vi", form_encode(&page.token)))
        .await;
    assert_eq!(response.status, 400);
    assert!(response.body.contains("role=\"alert\""));
    let again = parse_splash(&response.body);
    assert_eq!(again.notice, page.notice);
    assert_eq!(again.token, page.token, "the unused token stays valid");
    let granted = portal
        .post_form(
            "/answer",
            &answer_form(&again.token, portal.right_position(&again), None),
        )
        .await;
    assert!(granted.body.contains("Bạn đã được kết nối internet"));
}

#[tokio::test]
async fn answer_order_shuffled_per_view() {
    let portal = TestPortal::start("").await;
    let first = parse_splash(&portal.get("/").await.body);
    let mut orders = std::collections::HashSet::new();
    // 40 views of a 3-answer notice: all in one order has probability 6^-39.
    for _ in 0..40 {
        let page = parse_splash(&portal.get(&format!("/?notice={}", first.notice)).await.body);
        let texts: Vec<String> = page.answers.into_iter().map(|(_, text)| text).collect();
        orders.insert(texts);
    }
    assert!(orders.len() > 1, "answers shown in more than one order");
}

#[tokio::test]
async fn language_from_header_and_switch() {
    let portal = TestPortal::start("").await;
    let english = portal
        .get_with("/", "Accept-Language: en-GB,en;q=0.9,vi;q=0.5\r\n")
        .await;
    assert!(english.body.contains("<html lang=\"en\">"));
    assert_eq!(english.header("content-language"), Some("en"));
    let page = parse_splash(&english.body);
    let notice = portal
        .running
        .state
        .live()
        .content
        .get(&page.notice)
        .expect("loaded")
        .clone();
    assert!(english.body.contains(&notice.title.en));

    let switched = portal.get(&format!("/?lang=vi&notice={}", page.notice)).await;
    assert!(switched.body.contains("<html lang=\"vi\">"));
    assert!(
        switched.body.contains(&notice.title.vi),
        "same notice in the other language"
    );

    let default = portal.get_with("/", "Accept-Language: fr-FR\r\n").await;
    assert!(
        default.body.contains("<html lang=\"vi\">"),
        "Vietnamese by default"
    );
}

#[tokio::test]
async fn pages_declare_utf8_and_policy() {
    let portal = TestPortal::start("").await;
    let page = portal.get("/").await;
    assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(page.body.contains("<meta charset=\"utf-8\">"));
    let policy = page.header("content-security-policy").expect("CSP");
    assert!(policy.contains("default-src 'none'"));
    assert!(policy.contains("form-action 'self'"));
    assert!(!page.body.contains("<script"), "no JavaScript");
    assert!(!page.body.contains("https://"), "no third-party URL");

    let css = portal.get("/assets/style.css").await;
    assert_eq!(css.status, 200);
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert!(
        page.body.len() + css.body.len() < 50 * 1024,
        "page and assets under 50 KB"
    );
}

#[tokio::test]
async fn privacy_page_in_both_languages() {
    let portal = TestPortal::start("[session]\nlength = \"45m\"").await;
    let splash = portal.get("/").await;
    assert!(
        splash.body.contains("href=\"&#x2F;privacy?lang=vi\""),
        "the splash links to the privacy page"
    );
    let vi = portal.get("/privacy?lang=vi").await;
    assert_eq!(vi.status, 200);
    assert!(
        vi.body.contains("45 phút"),
        "states the configured session length"
    );
    assert!(vi.body.contains("90 ngày"), "states the history retention");
    assert!(
        vi.body.contains("400 ngày"),
        "states how long reach records are kept"
    );
    let en = portal.get("/privacy?lang=en").await;
    assert!(en.body.contains("45 minutes"));
    assert!(en.body.contains("keyed hash"));
}

#[tokio::test]
async fn captive_api_before_grant() {
    let portal = TestPortal::start("").await;
    let response = portal.get("/api/captive").await;
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("application/captive+json"));
    assert_eq!(response.header("cache-control"), Some("private"));
    let body: serde_json::Value = serde_json::from_str(&response.body).expect("JSON");
    assert_eq!(body["captive"], true);
    assert_eq!(body["user-portal-url"], format!("http://{}/", portal.host()));
    assert!(body.get("seconds-remaining").is_none());
}

#[tokio::test]
async fn rotation_history_survives_restart() {
    let portal = TestPortal::start("").await;
    let first = parse_splash(&portal.get("/").await.body).notice;
    let dir = portal.stop().await;
    let portal = TestPortal::start_in(dir, "").await;
    let second = parse_splash(&portal.get("/").await.body).notice;
    assert_ne!(
        first, second,
        "a restarted portal remembers what the device has seen"
    );
}

#[tokio::test]
async fn counters_and_reach_survive_restart() {
    let portal = TestPortal::start("").await;
    let page = parse_splash(&portal.get("/").await.body);
    let granted = portal
        .post_form(
            "/answer",
            &answer_form(&page.token, portal.right_position(&page), None),
        )
        .await;
    assert!(granted.body.contains("Bạn đã được kết nối internet"));
    let dir = portal.stop().await;

    let portal = TestPortal::start_in(dir, "").await;
    let status = portal.get("/api/captive").await;
    assert_eq!(status.status, 200);
    let metrics = portal.metrics().await;
    assert_eq!(
        metric_value(&metrics, "antoan_grants_total", &[("reason", "right_answer")]),
        Some(1.0)
    );
    assert_eq!(
        metric_value(
            &metrics,
            "antoan_notice_views_total",
            &[("notice", &page.notice), ("lang", "vi")]
        ),
        Some(1.0),
        "views continue from their stored totals"
    );
    assert_eq!(
        metric_value(&metrics, "antoan_devices_reached", &[("period", "1d")]),
        Some(1.0)
    );
    assert_eq!(
        metric_value(&metrics, "antoan_devices_reached", &[("period", "year")]),
        Some(1.0)
    );
    assert_eq!(metric_value(&metrics, "antoan_devices_online", &[]), Some(1.0));
    assert!(
        metrics.contains("antoan_content_info{"),
        "content version exported"
    );
    assert!(
        metrics.contains("antoan_http_request_duration_seconds_bucket{"),
        "request latency exported"
    );
}

#[tokio::test]
async fn audience_question_off_by_default() {
    let portal = TestPortal::start("").await;
    let page = parse_splash(&portal.get("/").await.body);
    let online = portal
        .post_form(
            "/answer",
            &answer_form(&page.token, portal.right_position(&page), None),
        )
        .await;
    assert!(online.body.contains("Bạn đã được kết nối internet"));
    assert!(
        !online.body.contains("action=\"/audience\""),
        "no audience question unless turned on"
    );
}

#[tokio::test]
async fn audience_answer_counted_once_without_device() {
    let portal = TestPortal::start("[quiz]\naudience_question = true").await;
    let page = parse_splash(&portal.get("/").await.body);
    let online = portal
        .post_form(
            "/answer",
            &answer_form(&page.token, portal.right_position(&page), None),
        )
        .await;
    assert!(
        online.body.contains("action=\"/audience\""),
        "offered after the grant"
    );
    assert!(online.body.contains("Sinh viên"));
    assert!(
        online.body.contains("Không muốn trả lời"),
        "skippable by an explicit choice too"
    );
    let token = common::between(
        &online.body[online.body.find("action=\"/audience\"").expect("form")..],
        "name=\"token\" value=\"",
        "\"",
    )
    .expect("audience token")
    .to_string();

    let form = format!("token={}&group=student&lang=vi", form_encode(&token));
    let thanked = portal.post_form("/audience", &form).await;
    assert_eq!(thanked.status, 200);
    assert!(thanked.body.contains("Cảm ơn bạn!"));
    assert!(!thanked.body.contains("action=\"/audience\""), "asked once");
    let again = portal.post_form("/audience", &form).await;
    assert_eq!(again.status, 200);
    let forged = portal.post_form("/audience", "token=abc.def&group=pupil").await;
    assert_eq!(forged.status, 200);

    let metrics = portal.metrics().await;
    assert_eq!(
        metric_value(&metrics, "antoan_audience_answers_total", &[("group", "student")]),
        Some(1.0)
    );
    assert_eq!(
        metric_value(&metrics, "antoan_audience_answers_total", &[("group", "pupil")]),
        None
    );
}

#[tokio::test]
async fn repeated_views_fill_token_and_url() {
    let portal = TestPortal::start("").await;
    let url = "http://example.com/a?b=1&c=\"x\"";
    let path = format!("/?url={}", form_encode(url));
    let first = portal.get(&path).await;
    let notice = parse_splash(&first.body).notice;
    let mut tokens = std::collections::HashSet::new();
    for _ in 0..12 {
        let page = portal.get(&format!("{path}&notice={notice}")).await;
        assert!(
            !page.body.contains('\u{1}'),
            "no token or URL mark left in the page"
        );
        assert!(!page.body.contains("%01U%01"), "no query mark left in the page");
        let splash = parse_splash(&page.body);
        assert_eq!(splash.url.as_deref(), Some("http://example.com/a?b=1&c=%22x%22"));
        assert!(
            page.body.contains(
                &format!("url={}", form_encode("http://example.com/a?b=1&c=%22x%22"))
                    .replace('&', "&amp;")
                    .replace('/', "&#x2F;")
            ),
            "the language switch carries the URL"
        );
        tokens.insert(splash.token);
    }
    assert_eq!(tokens.len(), 12, "every view has its own token");
}
