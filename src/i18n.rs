//! Languages and message catalogs.
//!
//! Every string a person reads, on pages and in the CLI, comes from one Fluent catalog per
//! language (`splash/i18n/vi.ftl`, `splash/i18n/en.ftl`), embedded in the binary.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use serde::Deserialize;

/// A language antoan speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Vi,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Vi, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    /// Picks the language for the CLI from `LC_ALL`, `LC_MESSAGES` or `LANG`, in that order,
    /// as POSIX does; English unless the first one set starts with `vi`.
    pub fn from_environment() -> Lang {
        for name in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let Ok(value) = std::env::var(name)
                && !value.is_empty()
            {
                return if value.to_ascii_lowercase().starts_with("vi") {
                    Lang::Vi
                } else {
                    Lang::En
                };
            }
        }
        Lang::En
    }

    /// Chooses a language from an `Accept-Language` header value: the supported language with the
    /// highest q-value, earlier entries winning ties. `None` when it names neither language.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(Lang, f32)> = None;
        for entry in header.split(',').take(32) {
            let mut parts = entry.split(';');
            let tag = parts.next().unwrap_or("").trim();
            let primary = tag.split(['-', '_']).next().unwrap_or("");
            let Ok(lang) = primary.parse::<Lang>() else {
                continue;
            };
            let mut quality = 1.0_f32;
            for parameter in parts {
                if let Some(value) = parameter.trim().strip_prefix("q=") {
                    quality = value.trim().parse().unwrap_or(0.0);
                }
            }
            if quality <= 0.0 || !quality.is_finite() {
                continue;
            }
            if best.is_none_or(|(_, best_quality)| quality > best_quality) {
                best = Some((lang, quality));
            }
        }
        best.map(|(lang, _)| lang)
    }
}

impl FromStr for Lang {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "vi" => Ok(Lang::Vi),
            "en" => Ok(Lang::En),
            _ => Err(()),
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

const VI_FTL: &str = include_str!("../splash/i18n/vi.ftl");
const EN_FTL: &str = include_str!("../splash/i18n/en.ftl");

/// The Fluent bundles for both languages.
pub struct Catalog {
    bundles: HashMap<Lang, FluentBundle<FluentResource>>,
}

impl Catalog {
    /// Loads the embedded catalogs.
    ///
    /// # Panics
    /// Panics when an embedded catalog does not parse. They are compiled into the binary and a
    /// unit test parses both, so this cannot happen in a released build.
    pub fn embedded() -> Catalog {
        let mut bundles = HashMap::new();
        for (lang, source) in [(Lang::Vi, VI_FTL), (Lang::En, EN_FTL)] {
            let resource = FluentResource::try_new(source.to_string())
                .unwrap_or_else(|(_, errors)| panic!("embedded {lang}.ftl is invalid: {errors:?}"));
            let id: unic_langid::LanguageIdentifier =
                lang.code().parse().expect("vi and en are valid language tags");
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // Unicode isolation marks would end up inside HTML attributes and terminal output.
            bundle.set_use_isolating(false);
            bundle
                .add_resource(resource)
                .unwrap_or_else(|errors| panic!("embedded {lang}.ftl repeats ids: {errors:?}"));
            bundles.insert(lang, bundle);
        }
        Catalog { bundles }
    }

    /// Formats message `id` in `lang`. A missing message yields its id, so a gap shows on the page
    /// instead of failing the request; a unit test checks both catalogs have the same ids.
    pub fn format(&self, lang: Lang, id: &str, args: &[(&str, &str)]) -> String {
        let bundle = &self.bundles[&lang];
        let Some(pattern) = bundle.get_message(id).and_then(|message| message.value()) else {
            return id.to_string();
        };
        let fluent_args = to_fluent_args(args);
        let mut errors = Vec::new();
        bundle
            .format_pattern(pattern, fluent_args.as_ref(), &mut errors)
            .into_owned()
    }

    /// Formats attribute `attribute` of message `id`, when both exist.
    pub fn format_attribute(
        &self,
        lang: Lang,
        id: &str,
        attribute: &str,
        args: &[(&str, &str)],
    ) -> Option<String> {
        let bundle = &self.bundles[&lang];
        let pattern = bundle.get_message(id)?.get_attribute(attribute)?.value();
        let fluent_args = to_fluent_args(args);
        let mut errors = Vec::new();
        Some(
            bundle
                .format_pattern(pattern, fluent_args.as_ref(), &mut errors)
                .into_owned(),
        )
    }

    /// Formats every message whose id starts with `prefix` and takes no arguments, keyed by id
    /// with `-` replaced by `_` so that templates can write `t.page_title`.
    pub fn messages_with_prefix(&self, lang: Lang, prefix: &str) -> HashMap<String, String> {
        let mut messages = HashMap::new();
        for id in message_ids(lang) {
            if id.starts_with(prefix) {
                messages.insert(id.replace('-', "_"), self.format(lang, &id, &[]));
            }
        }
        messages
    }
}

fn to_fluent_args<'a>(args: &'a [(&'a str, &'a str)]) -> Option<FluentArgs<'a>> {
    if args.is_empty() {
        return None;
    }
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        fluent_args.set(*name, *value);
    }
    Some(fluent_args)
}

/// Lists the message ids defined in the embedded catalog of `lang`.
pub fn message_ids(lang: Lang) -> Vec<String> {
    let source = match lang {
        Lang::Vi => VI_FTL,
        Lang::En => EN_FTL,
    };
    source
        .lines()
        .filter_map(|line| {
            let (id, _) = line.split_once('=')?;
            let id = id.trim_end();
            let starts_message = line.starts_with(|c: char| c.is_ascii_alphabetic());
            (starts_message && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
                .then(|| id.to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_prefers_highest_quality() {
        assert_eq!(
            Lang::from_accept_language("en-US,en;q=0.9,vi;q=0.8"),
            Some(Lang::En)
        );
        assert_eq!(
            Lang::from_accept_language("fr;q=1, vi-VN;q=0.7, en;q=0.5"),
            Some(Lang::Vi)
        );
        assert_eq!(Lang::from_accept_language("vi;q=0.5, EN;q=0.6"), Some(Lang::En));
    }

    #[test]
    fn accept_language_ignores_unknown_and_refused() {
        assert_eq!(Lang::from_accept_language("fr-FR, de"), None);
        assert_eq!(Lang::from_accept_language("en;q=0, vi;q=0.1"), Some(Lang::Vi));
        assert_eq!(Lang::from_accept_language(""), None);
        assert_eq!(Lang::from_accept_language(";;;q=zz,,"), None);
    }

    #[test]
    fn catalogs_define_the_same_messages() {
        let mut vi = message_ids(Lang::Vi);
        let mut en = message_ids(Lang::En);
        vi.sort();
        en.sort();
        assert!(!vi.is_empty());
        assert_eq!(vi, en);
    }

    #[test]
    fn catalogs_parse_and_format_arguments() {
        let catalog = Catalog::embedded();
        let text = catalog.format(Lang::En, "online-until", &[("time", "21:30")]);
        assert!(text.contains("21:30"), "{text}");
        let text = catalog.format(Lang::Vi, "online-until", &[("time", "21:30")]);
        assert!(text.contains("21:30"), "{text}");
    }

    #[test]
    fn vietnamese_catalog_is_nfc() {
        use unicode_normalization::is_nfc;
        assert!(is_nfc(VI_FTL));
    }
}
