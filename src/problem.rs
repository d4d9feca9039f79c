//! Problems found in the operator's files, reported all at once by `antoan check` and at start-up.
//!
//! A problem names a Fluent message id and its arguments instead of carrying finished text, so
//! that the CLI can print it in the reader's language.

use std::fmt;
use std::path::PathBuf;

use crate::i18n::{Catalog, Lang};

/// One problem in a file the operator controls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file that has the problem.
    pub file: PathBuf,
    /// The 1-based line, when it is known.
    pub line: Option<usize>,
    /// Fluent message id of the description; its `.fix` attribute, when present, says what to do.
    pub message: &'static str,
    /// Arguments for the message.
    pub args: Vec<(&'static str, String)>,
}

impl Problem {
    pub fn new(file: impl Into<PathBuf>, line: Option<usize>, message: &'static str) -> Self {
        Problem {
            file: file.into(),
            line,
            message,
            args: Vec::new(),
        }
    }

    pub fn arg(mut self, name: &'static str, value: impl fmt::Display) -> Self {
        self.args.push((name, value.to_string()));
        self
    }

    /// Formats the problem as `file:line: description` followed by an indented fix, in `lang`.
    pub fn render(&self, catalog: &Catalog, lang: Lang) -> String {
        let args: Vec<(&str, &str)> = self.args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let location = match self.line {
            Some(line) => format!("{}:{}", self.file.display(), line),
            None => self.file.display().to_string(),
        };
        let mut text = format!("{location}: {}", catalog.format(lang, self.message, &args));
        if let Some(fix) = catalog.format_attribute(lang, self.message, "fix", &args) {
            text.push_str("\n    ");
            text.push_str(&fix);
        }
        text
    }
}

/// Returns the 1-based line number of a byte offset in `source`.
pub fn line_of_offset(source: &str, offset: usize) -> usize {
    let end = offset.min(source.len());
    source.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1
}
