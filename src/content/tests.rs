use std::collections::BTreeMap;
use std::path::PathBuf;

use super::*;

const VALID: &str = r#"
id = "otp-never-share"
topic = "accounts"
weight = 3
starts = 2026-01-01

[title]
vi = "Không đưa mã OTP cho ai"
en = "Never share an OTP"

[body]
vi = "Mã OTP là chìa khoá của tài khoản."
en = "An OTP is the key to your account."

[question]
vi = "Ai được biết mã OTP của bạn?"
en = "Who may know your OTP?"

[[answers]]
vi = "Chỉ mình bạn"
en = "Only you"
right = true

[[answers]]
vi = "Nhân viên ngân hàng"
en = "A bank employee"

[explanation]
vi = "Không ai có quyền hỏi mã OTP."
en = "Nobody has the right to ask for it."
"#;

fn file(name: &str, text: &str) -> SourceFile {
    SourceFile {
        path: PathBuf::from(name),
        text: text.to_string(),
    }
}

fn problems_of(text: &str) -> Vec<Problem> {
    Content::load(&[file("n.toml", text)], &BTreeMap::new()).expect_err("expected problems")
}

fn messages(problems: &[Problem]) -> Vec<&'static str> {
    problems.iter().map(|problem| problem.message).collect()
}

#[test]
fn valid_notice_loads() {
    let content = Content::load(&[file("n.toml", VALID)], &BTreeMap::new()).expect("valid");
    let notice = content.get("otp-never-share").expect("loaded by id");
    assert_eq!(notice.topic, Topic::Accounts);
    assert_eq!(notice.weight, 3);
    assert_eq!(notice.right_answer(), 0);
    assert_eq!(notice.answers[1].text.get(Lang::En), "A bank employee");
}

#[test]
fn two_right_answers_rejected_with_line() {
    let text = VALID.replace(
        "en = \"A bank employee\"",
        "en = \"A bank employee\"\nright = true",
    );
    let problems = problems_of(&text);
    assert_eq!(messages(&problems), ["check-notice-right-count"]);
    assert_eq!(problems[0].line, Some(19), "line of the first [[answers]]");
}

#[test]
fn no_right_answer_rejected() {
    let text = VALID.replace("right = true\n", "");
    assert_eq!(messages(&problems_of(&text)), ["check-notice-right-count"]);
}

#[test]
fn missing_language_rejected() {
    let text = VALID.replace("en = \"Who may know your OTP?\"\n", "");
    let problems = problems_of(&text);
    assert_eq!(messages(&problems), ["check-notice-missing-language"]);
    assert!(problems[0].args.contains(&("field", "question".to_string())));
    assert!(problems[0].args.contains(&("lang", "en".to_string())));
    assert_eq!(problems[0].line, Some(15), "line of the [question] table");
}

#[test]
fn unknown_topic_rejected() {
    let text = VALID.replace("topic = \"accounts\"", "topic = \"cooking\"");
    let problems = problems_of(&text);
    assert_eq!(messages(&problems), ["check-notice-topic-unknown"]);
    assert_eq!(problems[0].line, Some(3));
}

#[test]
fn long_body_rejected() {
    let long = "ừ".repeat(MAX_BODY_CHARS + 1);
    let text = VALID.replace("Mã OTP là chìa khoá của tài khoản.", &long);
    let problems = problems_of(&text);
    assert_eq!(messages(&problems), ["check-notice-too-long"]);
    assert!(
        problems[0]
            .args
            .contains(&("length", (MAX_BODY_CHARS + 1).to_string()))
    );
}

#[test]
fn body_at_limit_in_characters_accepted() {
    // 600 Vietnamese characters are more than 600 bytes; the limit counts characters.
    let long = "ừ".repeat(MAX_BODY_CHARS);
    let text = VALID.replace("Mã OTP là chìa khoá của tài khoản.", &long);
    assert!(Content::load(&[file("n.toml", &text)], &BTreeMap::new()).is_ok());
}

#[test]
fn bad_dates_rejected() {
    let text = VALID.replace("starts = 2026-01-01", "starts = 2026-05-01\nends = 2026-04-01");
    assert_eq!(messages(&problems_of(&text)), ["check-notice-dates"]);
    let text = VALID.replace("starts = 2026-01-01", "starts = 2026-05-01T10:00:00");
    assert_eq!(messages(&problems_of(&text)), ["check-notice-date-invalid"]);
    let text = VALID.replace("starts = 2026-01-01", "starts = 2026-02-30");
    assert_eq!(messages(&problems_of(&text)), ["check-notice-toml"]);
}

#[test]
fn decomposed_vietnamese_rejected() {
    // "ô" written as "o" plus a combining circumflex is not NFC.
    let text = VALID.replace("Không đưa", "Kho\u{302}ng đưa");
    assert_eq!(messages(&problems_of(&text)), ["check-notice-not-nfc"]);
}

#[test]
fn every_problem_reported_at_once() {
    let text = VALID
        .replace("topic = \"accounts\"", "topic = \"x\"")
        .replace("weight = 3", "weight = 0")
        .replace("right = true\n", "");
    let found = messages(&problems_of(&text));
    assert!(found.contains(&"check-notice-topic-unknown"));
    assert!(found.contains(&"check-notice-weight"));
    assert!(found.contains(&"check-notice-right-count"));
}

#[test]
fn duplicate_id_names_both_files() {
    let problems = Content::load(&[file("a.toml", VALID), file("b.toml", VALID)], &BTreeMap::new())
        .expect_err("duplicate");
    assert_eq!(messages(&problems), ["check-notice-id-duplicate"]);
    assert_eq!(problems[0].file, PathBuf::from("b.toml"));
    assert!(problems[0].args.contains(&("other", "a.toml".to_string())));
}

#[test]
fn syntax_error_reported_with_line() {
    let text = VALID.replace("weight = 3", "weight = ");
    let problems = problems_of(&text);
    assert_eq!(messages(&problems), ["check-notice-toml"]);
    assert_eq!(problems[0].line, Some(4));
}

#[test]
fn unknown_field_rejected() {
    let text = VALID.replace("weight = 3", "wieght = 3");
    assert_eq!(messages(&problems_of(&text)), ["check-notice-toml"]);
}

#[test]
fn missing_image_and_plain_http_link_rejected() {
    let text = VALID.replace(
        "weight = 3",
        "weight = 3\nimage = \"x.svg\"\nlink = \"http://example.org\"",
    );
    let found = messages(&problems_of(&text));
    assert_eq!(found, ["check-notice-image-missing", "check-notice-link"]);
}

#[test]
fn active_window_includes_both_ends() {
    let content = Content::load(&[file("n.toml", VALID)], &BTreeMap::new()).expect("valid");
    let mut notice = (**content.get("otp-never-share").expect("loaded")).clone();
    notice.ends = NaiveDate::from_ymd_opt(2026, 12, 31);
    assert!(!notice.is_active(NaiveDate::from_ymd_opt(2025, 12, 31).expect("date")));
    assert!(notice.is_active(NaiveDate::from_ymd_opt(2026, 1, 1).expect("date")));
    assert!(notice.is_active(NaiveDate::from_ymd_opt(2026, 12, 31).expect("date")));
    assert!(!notice.is_active(NaiveDate::from_ymd_opt(2027, 1, 1).expect("date")));
}

#[test]
fn shipped_notices_are_valid() {
    let files = crate::splash::SplashFiles::embedded();
    let content = Content::load(&files.notices, &files.assets).unwrap_or_else(|problems| {
        panic!("shipped notices have problems: {problems:#?}");
    });
    assert!(content.notices().len() >= 8);
    for topic in Topic::ALL {
        assert!(
            content.notices().iter().any(|notice| notice.topic == topic),
            "no shipped notice on {topic}"
        );
    }
}
