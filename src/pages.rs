//! Page templates and the views they render.
//!
//! Templates are tera files with HTML autoescaping. Each page has a typed view; at start-up and in
//! `antoan check` every template is rendered once with a sample view in each language, so that a
//! template error (bad syntax, an unknown variable or filter) shows up then, not at request time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use tera::{Context, Tera};

use crate::i18n::{Catalog, Lang};
use crate::problem::Problem;
use crate::splash::SplashFiles;

/// Templates every splash folder must have.
pub const REQUIRED_TEMPLATES: [&str; 5] = [
    "splash.html",
    "online.html",
    "error.html",
    "privacy.html",
    "redirect.html",
];

/// The parts every page shares: language, switch link, privacy link and site name.
#[derive(Debug, Clone, Serialize)]
pub struct Frame {
    pub lang: &'static str,
    /// The other language, for the switch link.
    pub other_lang: &'static str,
    /// Target of the language switch link: the same page in the other language.
    pub switch_url: String,
    pub privacy_url: String,
    pub site_name: String,
}

/// A notice as the splash shows it.
#[derive(Debug, Clone, Serialize)]
pub struct NoticeView {
    pub id: String,
    pub topic: String,
    pub title: String,
    pub body: String,
    /// URL of the picture under `/assets/`.
    pub image: Option<String>,
    pub link: Option<String>,
}

/// One answer, at its shown position.
#[derive(Debug, Clone, Serialize)]
pub struct AnswerView {
    /// Position in the shown order; the form submits it.
    pub value: usize,
    pub text: String,
}

/// The lesson of the previous answer, shown above the next question or on the online page.
#[derive(Debug, Clone, Serialize)]
pub struct FeedbackView {
    pub was_right: bool,
    pub notice_title: String,
    pub right_answer: String,
    pub explanation: String,
    /// Message shown about what happens next, already formatted.
    pub next_step: String,
}

/// `splash.html`: a notice and its question.
#[derive(Debug, Clone, Serialize)]
pub struct SplashView {
    pub notice: NoticeView,
    pub question: String,
    pub answers: Vec<AnswerView>,
    pub token: String,
    /// The cleaned original URL, or empty.
    pub url: String,
    pub feedback: Option<FeedbackView>,
    /// Set when the form came back without a chosen answer.
    pub needs_answer: bool,
}

/// `online.html`: access granted, or the status of a device already online.
#[derive(Debug, Clone, Serialize)]
pub struct OnlineView {
    /// "Online until 21:30 (Asia/Ho_Chi_Minh)", already formatted.
    pub until: String,
    pub url: String,
    pub feedback: Option<FeedbackView>,
    /// The optional, anonymous "who is connecting" question, offered once after a grant.
    pub audience: Option<AudienceView>,
    /// Set after an audience answer, to thank the visitor.
    pub audience_thanks: bool,
}

/// The audience question: a one-time anonymous token and one button per group.
#[derive(Debug, Clone, Serialize)]
pub struct AudienceView {
    pub token: String,
    pub groups: Vec<AudienceGroupView>,
}

/// One answer of the audience question.
#[derive(Debug, Clone, Serialize)]
pub struct AudienceGroupView {
    pub id: &'static str,
    pub label: String,
}

/// `error.html`: a request that could not be served as asked.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorView {
    pub status: u16,
    pub title: String,
    pub message: String,
    pub retry_url: String,
}

/// `privacy.html`: what antoan records, with the operator's retention values filled in.
#[derive(Debug, Clone, Serialize)]
pub struct PrivacyView {
    /// Paragraphs, already formatted.
    pub paragraphs: Vec<String>,
    pub back_url: String,
}

/// `redirect.html`: the body of the redirect that sends a captured request to the splash.
#[derive(Debug, Clone, Serialize)]
pub struct RedirectView {
    pub location: String,
}

/// The loaded templates and the per-language page strings.
pub struct Pages {
    /// One tera instance per language, with the catalog's `{{ t.NAME }}` strings already filled
    /// into the template sources: a page render then looks up only its view.
    tera: HashMap<Lang, Tera>,
    /// Rendered splash pages with marks in place of the token and original URL; see
    /// [`Pages::cached_splash`].
    splash_cache: Mutex<HashMap<SplashKey, Arc<str>>>,
}

/// What a splash page without feedback depends on besides its token and original URL: the
/// notice, the language, the shown answer order and whether there is an original URL.
pub type SplashKey = (String, Lang, Vec<usize>, bool);

/// Stands for the token in a cached splash page.
pub const TOKEN_MARK: &str = "\u{1}T\u{1}";
/// Stands for the original URL in a cached splash page.
pub const URL_MARK: &str = "\u{1}U\u{1}";
/// [`URL_MARK`] as it appears after percent-encoding, in query strings.
pub const URL_QUERY_MARK: &str = "%01U%01";
/// Past this many cached pages the cache is emptied (notices × languages × answer orders is
/// a few hundred for the shipped content).
const MAX_CACHED_PAGES: usize = 4096;

impl Pages {
    /// Parses the templates of `files` and renders each with sample views in both languages.
    pub fn load(files: &SplashFiles, catalog: &Arc<Catalog>) -> Result<Pages, Vec<Problem>> {
        let mut problems = Vec::new();
        for (name, file) in &files.templates {
            // Parse one by one so that every broken template is reported, not just the first.
            if let Err(error) = Tera::default().add_raw_template(name, &file.text)
                && !is_missing_parent(&error)
            {
                problems
                    .push(Problem::new(&file.path, None, "check-template").arg("error", error_chain(&error)));
            }
        }
        let mut tera = HashMap::new();
        for lang in Lang::ALL {
            let strings = catalog.messages_with_prefix(lang, "page-");
            let sources: Vec<(String, String)> = files
                .templates
                .iter()
                .map(|(name, file)| (name.clone(), fill_strings(&file.text, &strings)))
                .collect();
            let mut instance = Tera::default();
            if problems.is_empty()
                && let Err(error) = instance.add_raw_templates(sources)
            {
                problems.push(
                    Problem::new("templates", None, "check-template").arg("error", error_chain(&error)),
                );
            }
            tera.insert(lang, instance);
        }
        for required in REQUIRED_TEMPLATES {
            if !files.templates.iter().any(|(name, _)| name == required) {
                problems.push(
                    Problem::new(format!("templates/{required}"), None, "check-template-missing")
                        .arg("name", required),
                );
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }

        let pages = Pages {
            tera,
            splash_cache: Mutex::new(HashMap::new()),
        };
        for lang in Lang::ALL {
            for (name, mut context) in samples() {
                if let Err(error) = pages.render(name, lang, &mut context) {
                    let path = files
                        .templates
                        .iter()
                        .find(|(template, _)| template == name)
                        .map(|(_, file)| file.path.clone())
                        .unwrap_or_else(|| name.into());
                    let problem =
                        Problem::new(path, None, "check-template").arg("error", error_chain(&error));
                    // The same fault shows in every language and sample; report it once.
                    if !problems.contains(&problem) {
                        problems.push(problem);
                    }
                }
            }
        }
        if problems.is_empty() {
            Ok(pages)
        } else {
            Err(problems)
        }
    }

    /// Renders template `name` in `lang`; `context` must hold `frame` and the page's view.
    pub fn render(&self, name: &str, lang: Lang, context: &mut Context) -> Result<String, tera::Error> {
        self.tera[&lang].render(name, context)
    }
}

impl Pages {
    /// Returns the splash page for `key` with its token and original URL filled in, rendering it
    /// with `render` (which must use [`TOKEN_MARK`], [`URL_MARK`] and [`URL_QUERY_MARK`]) only
    /// the first time. Every view gets a fresh token and a shuffled order, so the page cannot be
    /// cached whole; the template work is the same for every view of one order and language.
    pub fn cached_splash(
        &self,
        key: SplashKey,
        token: &str,
        url: &str,
        render: impl FnOnce() -> String,
    ) -> String {
        let cached = self
            .splash_cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(&key)
            .cloned();
        let page = match cached {
            Some(page) => page,
            None => {
                let page: Arc<str> = Arc::from(render());
                let mut cache = self
                    .splash_cache
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                if cache.len() >= MAX_CACHED_PAGES {
                    cache.clear();
                }
                cache.insert(key, Arc::clone(&page));
                page
            }
        };
        let query: String = form_urlencoded::byte_serialize(url.as_bytes()).collect();
        page.replace(TOKEN_MARK, &tera::escape_html(token))
            .replace(URL_MARK, &tera::escape_html(url))
            .replace(URL_QUERY_MARK, &tera::escape_html(&query))
    }
}

/// Replaces each `{{ t.NAME }}` in a template source with the catalog string, HTML-escaped.
/// Other uses of `t` are left alone, so they fail at load with "variable not found", where the
/// operator sees them, rather than at request time.
fn fill_strings(source: &str, strings: &HashMap<String, String>) -> String {
    let mut filled = String::with_capacity(source.len());
    let mut rest = source;
    while let Some(start) = rest.find("{{") {
        filled.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let replaced = after.find("}}").and_then(|end| {
            let name = after[..end].trim().strip_prefix("t.")?;
            let value = strings.get(name)?;
            Some((tera::escape_html(value), end + 2))
        });
        match replaced {
            // A string that itself looked like tera syntax would be parsed; raw blocks stop that.
            Some((value, used)) if value.contains('{') => {
                filled.push_str("{% raw %}");
                filled.push_str(&value);
                filled.push_str("{% endraw %}");
                rest = &after[used..];
            }
            Some((value, used)) => {
                filled.push_str(&value);
                rest = &after[used..];
            }
            None => {
                filled.push_str("{{");
                rest = after;
            }
        }
    }
    filled.push_str(rest);
    filled
}

/// Builds a tera context from a frame and a page view under `view`.
pub fn context<V: Serialize>(frame: &Frame, view: &V) -> Context {
    let mut context = Context::new();
    context.insert("frame", frame);
    context.insert("view", view);
    context
}

fn is_missing_parent(error: &tera::Error) -> bool {
    // A child template parsed alone cannot find its parent; the full set is parsed next.
    matches!(error.kind, tera::ErrorKind::MissingParent { .. })
}

/// Joins an error and its causes, since tera puts the useful part (line, column) in the source.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn samples() -> Vec<(&'static str, Context)> {
    let frame = Frame {
        lang: "vi",
        other_lang: "en",
        switch_url: "/?lang=en".to_string(),
        privacy_url: "/privacy?lang=vi".to_string(),
        site_name: "sample".to_string(),
    };
    let feedback = FeedbackView {
        was_right: false,
        notice_title: "t".to_string(),
        right_answer: "a".to_string(),
        explanation: "e".to_string(),
        next_step: "n".to_string(),
    };
    let splash = SplashView {
        notice: NoticeView {
            id: "sample".to_string(),
            topic: "topic".to_string(),
            title: "title".to_string(),
            body: "body".to_string(),
            image: Some("/assets/sample.svg".to_string()),
            link: Some("https://example.org/".to_string()),
        },
        question: "q".to_string(),
        answers: vec![
            AnswerView {
                value: 0,
                text: "a".to_string(),
            },
            AnswerView {
                value: 1,
                text: "b".to_string(),
            },
        ],
        token: "token".to_string(),
        url: "http://example.org/".to_string(),
        feedback: Some(feedback.clone()),
        needs_answer: true,
    };
    // Optional parts are rendered both present and absent, since a template may use either.
    let mut bare_splash = splash.clone();
    bare_splash.notice.image = None;
    bare_splash.notice.link = None;
    bare_splash.feedback = None;
    bare_splash.url = String::new();
    bare_splash.needs_answer = false;
    let audience = AudienceView {
        token: "token".to_string(),
        groups: vec![AudienceGroupView {
            id: "pupil",
            label: "l".to_string(),
        }],
    };
    let online = OnlineView {
        until: "u".to_string(),
        url: "http://example.org/".to_string(),
        feedback: Some(feedback),
        audience: Some(audience),
        audience_thanks: true,
    };
    let bare_online = OnlineView {
        until: "u".to_string(),
        url: String::new(),
        feedback: None,
        audience: None,
        audience_thanks: false,
    };
    let error = ErrorView {
        status: 400,
        title: "t".to_string(),
        message: "m".to_string(),
        retry_url: "/".to_string(),
    };
    let privacy = PrivacyView {
        paragraphs: vec!["p".to_string()],
        back_url: "/".to_string(),
    };
    let redirect = RedirectView {
        location: "http://192.0.2.1/".to_string(),
    };
    vec![
        ("splash.html", context(&frame, &splash)),
        ("splash.html", context(&frame, &bare_splash)),
        ("online.html", context(&frame, &online)),
        ("online.html", context(&frame, &bare_online)),
        ("error.html", context(&frame, &error)),
        ("privacy.html", context(&frame, &privacy)),
        ("redirect.html", context(&frame, &redirect)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings() -> HashMap<String, String> {
        [("page_a", "Trả lời <ngay>"), ("page_b", "{{ not syntax }}")]
            .into_iter()
            .map(|(key, value)| (key.to_string(), value.to_string()))
            .collect()
    }

    #[test]
    fn catalog_strings_filled_and_escaped() {
        let filled = fill_strings("<p>{{ t.page_a }}</p><p>{{t.page_a}}</p>{{ view.x }}", &strings());
        assert_eq!(
            filled,
            "<p>Trả lời &lt;ngay&gt;</p><p>Trả lời &lt;ngay&gt;</p>{{ view.x }}"
        );
    }

    #[test]
    fn strings_that_look_like_syntax_stay_text() {
        let filled = fill_strings("{{ t.page_b }}", &strings());
        let mut tera = Tera::default();
        tera.add_raw_template("x.html", &filled).expect("parses");
        assert_eq!(
            tera.render("x.html", &Context::new()).expect("renders"),
            "{{ not syntax }}"
        );
    }

    #[test]
    fn unknown_string_left_for_load_to_report() {
        assert_eq!(
            fill_strings("{{ t.page_missing }}", &strings()),
            "{{ t.page_missing }}"
        );
        let files = crate::splash::SplashFiles {
            templates: REQUIRED_TEMPLATES
                .iter()
                .map(|name| {
                    let file = crate::splash::SourceFile {
                        path: (*name).into(),
                        text: "{{ t.page_missing }}".to_string(),
                    };
                    (name.to_string(), file)
                })
                .collect(),
            notices: Vec::new(),
            assets: Default::default(),
        };
        let problems = Pages::load(&files, &Arc::new(Catalog::embedded()))
            .err()
            .expect("rejected at load");
        assert!(problems.iter().all(|problem| problem.message == "check-template"));
    }
}
