//! Safety notices: parsed from one TOML file each, validated, and looked up by id.
//!
//! The file format is documented in `docs/notices.md`. Validation reports every problem of every
//! file at once, each with its file and line.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Deserialize;
use toml::Spanned;
use unicode_normalization::is_nfc;

use crate::i18n::Lang;
use crate::problem::{Problem, line_of_offset};
use crate::splash::SourceFile;

pub const MAX_TITLE_CHARS: usize = 90;
pub const MAX_BODY_CHARS: usize = 600;
pub const MAX_QUESTION_CHARS: usize = 200;
pub const MAX_ANSWER_CHARS: usize = 120;
pub const MAX_EXPLANATION_CHARS: usize = 400;
pub const MAX_IMAGE_BYTES: usize = 20 * 1024;

/// The subject a notice teaches; a fixed list so that metrics can be summed by topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Topic {
    Passwords,
    Accounts,
    Phishing,
    Scams,
    Privacy,
    Malware,
    PublicWifi,
    SocialMedia,
    Updates,
    Law,
}

impl Topic {
    pub const ALL: [Topic; 10] = [
        Topic::Passwords,
        Topic::Accounts,
        Topic::Phishing,
        Topic::Scams,
        Topic::Privacy,
        Topic::Malware,
        Topic::PublicWifi,
        Topic::SocialMedia,
        Topic::Updates,
        Topic::Law,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Topic::Passwords => "passwords",
            Topic::Accounts => "accounts",
            Topic::Phishing => "phishing",
            Topic::Scams => "scams",
            Topic::Privacy => "privacy",
            Topic::Malware => "malware",
            Topic::PublicWifi => "public-wifi",
            Topic::SocialMedia => "social-media",
            Topic::Updates => "updates",
            Topic::Law => "law",
        }
    }

    pub fn from_id(id: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|topic| topic.id() == id)
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// A text in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub vi: String,
    pub en: String,
}

impl Text {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Vi => &self.vi,
            Lang::En => &self.en,
        }
    }
}

/// One answer to a notice's question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub text: Text,
    pub right: bool,
}

/// A validated safety notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub id: String,
    pub topic: Topic,
    /// Relative weight among never-seen notices, 1 to 100.
    pub weight: u32,
    pub starts: Option<NaiveDate>,
    pub ends: Option<NaiveDate>,
    /// File name in the splash assets folder.
    pub image: Option<String>,
    /// An `https://` URL.
    pub link: Option<String>,
    pub title: Text,
    pub body: Text,
    pub question: Text,
    /// 2 to 4 answers, exactly one of them right, in file order.
    pub answers: Vec<Answer>,
    pub explanation: Text,
}

impl Notice {
    /// Returns whether the notice is shown on `today`, a date in the site's time zone.
    pub fn is_active(&self, today: NaiveDate) -> bool {
        self.starts.is_none_or(|starts| starts <= today) && self.ends.is_none_or(|ends| today <= ends)
    }

    /// Returns the index of the right answer in file order.
    pub fn right_answer(&self) -> usize {
        // Validation guarantees exactly one right answer.
        self.answers.iter().position(|answer| answer.right).unwrap_or(0)
    }
}

/// All notices of a splash folder, validated.
#[derive(Debug, Clone, Default)]
pub struct Content {
    notices: Vec<Arc<Notice>>,
    by_id: HashMap<String, usize>,
}

impl Content {
    /// Parses and validates every notice file. `assets` are the asset file names and sizes.
    pub fn load(files: &[SourceFile], assets: &BTreeMap<String, Vec<u8>>) -> Result<Content, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut content = Content::default();
        let mut first_file: HashMap<String, &SourceFile> = HashMap::new();

        for file in files {
            let Some((notice, id_line)) = parse_notice(file, assets, &mut problems) else {
                continue;
            };
            if let Some(other) = first_file.get(&notice.id) {
                problems.push(
                    Problem::new(&file.path, Some(id_line), "check-notice-id-duplicate")
                        .arg("id", &notice.id)
                        .arg("other", other.path.display()),
                );
                continue;
            }
            first_file.insert(notice.id.clone(), file);
            content.by_id.insert(notice.id.clone(), content.notices.len());
            content.notices.push(Arc::new(notice));
        }

        if files.is_empty() {
            problems.push(Problem::new("notices", None, "check-notices-none"));
        }
        if problems.is_empty() {
            Ok(content)
        } else {
            Err(problems)
        }
    }

    pub fn notices(&self) -> &[Arc<Notice>] {
        &self.notices
    }

    pub fn get(&self, id: &str) -> Option<&Arc<Notice>> {
        self.by_id.get(id).map(|&index| &self.notices[index])
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNotice {
    id: Spanned<String>,
    topic: Spanned<String>,
    weight: Option<Spanned<i64>>,
    starts: Option<Spanned<toml::value::Datetime>>,
    ends: Option<Spanned<toml::value::Datetime>>,
    image: Option<Spanned<String>>,
    link: Option<Spanned<String>>,
    title: Spanned<RawText>,
    body: Spanned<RawText>,
    question: Spanned<RawText>,
    answers: Spanned<Vec<Spanned<RawAnswer>>>,
    explanation: Spanned<RawText>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawText {
    vi: Option<Spanned<String>>,
    en: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAnswer {
    vi: Option<Spanned<String>>,
    en: Option<Spanned<String>>,
    #[serde(default)]
    right: bool,
}

/// Collects the problems of one file while it is checked.
struct FileCheck<'a> {
    file: &'a SourceFile,
    problems: &'a mut Vec<Problem>,
    count_before: usize,
}

impl FileCheck<'_> {
    fn line(&self, offset: usize) -> usize {
        line_of_offset(&self.file.text, offset)
    }

    fn report(&mut self, offset: usize, message: &'static str) -> &mut Problem {
        let line = self.line(offset);
        self.problems
            .push(Problem::new(&self.file.path, Some(line), message));
        self.problems.last_mut().expect("a problem was just pushed")
    }

    fn is_clean(&self) -> bool {
        self.problems.len() == self.count_before
    }

    /// Checks one bilingual text field and returns it when both languages are usable.
    fn text(&mut self, field: &str, raw: &Spanned<RawText>, max_chars: usize) -> Text {
        let vi = self.language(
            field,
            Lang::Vi,
            raw.span().start,
            raw.get_ref().vi.as_ref(),
            max_chars,
        );
        let en = self.language(
            field,
            Lang::En,
            raw.span().start,
            raw.get_ref().en.as_ref(),
            max_chars,
        );
        Text { vi, en }
    }

    fn language(
        &mut self,
        field: &str,
        lang: Lang,
        table_offset: usize,
        value: Option<&Spanned<String>>,
        max_chars: usize,
    ) -> String {
        let Some(value) = value.filter(|value| !value.get_ref().trim().is_empty()) else {
            self.report(table_offset, "check-notice-missing-language")
                .args
                .extend([("field", field.to_string()), ("lang", lang.code().to_string())]);
            return String::new();
        };
        let text = value.get_ref().trim().to_string();
        let length = text.chars().count();
        if length > max_chars {
            self.report(value.span().start, "check-notice-too-long")
                .args
                .extend([
                    ("field", field.to_string()),
                    ("lang", lang.code().to_string()),
                    ("length", length.to_string()),
                    ("max", max_chars.to_string()),
                ]);
        }
        if !is_nfc(&text) {
            self.report(value.span().start, "check-notice-not-nfc")
                .args
                .extend([("field", field.to_string()), ("lang", lang.code().to_string())]);
        }
        text
    }

    fn date(&mut self, field: &str, raw: Option<&Spanned<toml::value::Datetime>>) -> Option<NaiveDate> {
        let raw = raw?;
        let datetime = raw.get_ref();
        let date = match (datetime.date, datetime.time, datetime.offset) {
            (Some(date), None, None) => {
                NaiveDate::from_ymd_opt(i32::from(date.year), u32::from(date.month), u32::from(date.day))
            }
            _ => None,
        };
        if date.is_none() {
            self.report(raw.span().start, "check-notice-date-invalid")
                .args
                .push(("field", field.to_string()));
        }
        date
    }
}

fn parse_notice(
    file: &SourceFile,
    assets: &BTreeMap<String, Vec<u8>>,
    problems: &mut Vec<Problem>,
) -> Option<(Notice, usize)> {
    let raw: RawNotice = match toml::from_str(&file.text) {
        Ok(raw) => raw,
        Err(error) => {
            let line = error.span().map(|span| line_of_offset(&file.text, span.start));
            problems.push(Problem::new(&file.path, line, "check-notice-toml").arg("error", error.message()));
            return None;
        }
    };
    let count_before = problems.len();
    let mut check = FileCheck {
        file,
        problems,
        count_before,
    };

    let id = raw.id.get_ref().clone();
    let id_line = check.line(raw.id.span().start);
    if !is_valid_id(&id) {
        check
            .report(raw.id.span().start, "check-notice-id-invalid")
            .args
            .push(("id", id.clone()));
    }

    let topic = Topic::from_id(raw.topic.get_ref());
    if topic.is_none() {
        let known: Vec<&str> = Topic::ALL.iter().map(|topic| topic.id()).collect();
        check
            .report(raw.topic.span().start, "check-notice-topic-unknown")
            .args
            .extend([
                ("topic", raw.topic.get_ref().clone()),
                ("topics", known.join(", ")),
            ]);
    }

    let weight = match &raw.weight {
        None => 1,
        Some(weight) => match u32::try_from(*weight.get_ref()) {
            Ok(value @ 1..=100) => value,
            _ => {
                check
                    .report(weight.span().start, "check-notice-weight")
                    .args
                    .push(("weight", weight.get_ref().to_string()));
                1
            }
        },
    };

    let starts = check.date("starts", raw.starts.as_ref());
    let ends = check.date("ends", raw.ends.as_ref());
    if let (Some(starts_date), Some(ends_date), Some(ends_raw)) = (starts, ends, &raw.ends)
        && starts_date > ends_date
    {
        check
            .report(ends_raw.span().start, "check-notice-dates")
            .args
            .extend([
                ("starts", starts_date.to_string()),
                ("ends", ends_date.to_string()),
            ]);
    }

    let image = raw.image.as_ref().map(|image| {
        match assets.get(image.get_ref()) {
            None => {
                check
                    .report(image.span().start, "check-notice-image-missing")
                    .args
                    .push(("image", image.get_ref().clone()));
            }
            Some(bytes) if bytes.len() > MAX_IMAGE_BYTES => {
                check
                    .report(image.span().start, "check-notice-image-large")
                    .args
                    .extend([
                        ("image", image.get_ref().clone()),
                        ("size", bytes.len().to_string()),
                        ("max", MAX_IMAGE_BYTES.to_string()),
                    ]);
            }
            Some(_) => {}
        }
        image.get_ref().clone()
    });

    let link = raw.link.as_ref().map(|link| {
        let parsed = url::Url::parse(link.get_ref());
        if !parsed.is_ok_and(|url| url.scheme() == "https" && url.host().is_some()) {
            check
                .report(link.span().start, "check-notice-link")
                .args
                .push(("link", link.get_ref().clone()));
        }
        link.get_ref().clone()
    });

    let title = check.text("title", &raw.title, MAX_TITLE_CHARS);
    let body = check.text("body", &raw.body, MAX_BODY_CHARS);
    let question = check.text("question", &raw.question, MAX_QUESTION_CHARS);
    let explanation = check.text("explanation", &raw.explanation, MAX_EXPLANATION_CHARS);

    let mut answers = Vec::new();
    for raw_answer in raw.answers.get_ref() {
        let offset = raw_answer.span().start;
        let inner = raw_answer.get_ref();
        let vi = check.language("answers", Lang::Vi, offset, inner.vi.as_ref(), MAX_ANSWER_CHARS);
        let en = check.language("answers", Lang::En, offset, inner.en.as_ref(), MAX_ANSWER_CHARS);
        answers.push(Answer {
            text: Text { vi, en },
            right: inner.right,
        });
    }
    let answers_offset = raw.answers.span().start;
    if !(2..=4).contains(&answers.len()) {
        check
            .report(answers_offset, "check-notice-answer-count")
            .args
            .push(("count", answers.len().to_string()));
    }
    let right_count = answers.iter().filter(|answer| answer.right).count();
    if right_count != 1 {
        check
            .report(answers_offset, "check-notice-right-count")
            .args
            .push(("count", right_count.to_string()));
    }

    if !check.is_clean() {
        return None;
    }
    let notice = Notice {
        id,
        topic: topic?,
        weight,
        starts,
        ends,
        image,
        link,
        title,
        body,
        question,
        answers,
        explanation,
    };
    Some((notice, id_line))
}

/// Returns whether `id` is 3 to 48 characters of lowercase ASCII letters, digits and `-`.
pub fn is_valid_id(id: &str) -> bool {
    (3..=48).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests;
