//! The splash folder: templates, assets and notices, either embedded in the binary or read from
//! the operator's `splash_dir`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

use crate::problem::Problem;

static EMBEDDED: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/splash");

/// A text file with the path it is reported under.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

/// The contents of a splash folder.
#[derive(Debug, Clone)]
pub struct SplashFiles {
    /// `templates/*.html`, by file name.
    pub templates: Vec<(String, SourceFile)>,
    /// `notices/*.toml`, sorted by path.
    pub notices: Vec<SourceFile>,
    /// `assets/*`, by file name.
    pub assets: BTreeMap<String, Vec<u8>>,
}

impl SplashFiles {
    /// Returns the splash folder compiled into the binary.
    pub fn embedded() -> SplashFiles {
        let mut files = SplashFiles {
            templates: Vec::new(),
            notices: Vec::new(),
            assets: BTreeMap::new(),
        };
        let root = Path::new("(built-in)/splash");
        for (folder, entries) in [
            ("templates", EMBEDDED.get_dir("templates")),
            ("notices", EMBEDDED.get_dir("notices")),
            ("assets", EMBEDDED.get_dir("assets")),
        ] {
            let Some(entries) = entries else { continue };
            for file in entries.files() {
                let name = file_name(file.path());
                let path = root.join(folder).join(&name);
                match folder {
                    "assets" => {
                        files.assets.insert(name, file.contents().to_vec());
                    }
                    _ => {
                        // The build embeds only files that the test suite loads as UTF-8.
                        let text = String::from_utf8_lossy(file.contents()).into_owned();
                        let source = SourceFile { path, text };
                        if folder == "templates" {
                            files.templates.push((name, source));
                        } else if name.ends_with(".toml") {
                            files.notices.push(source);
                        }
                    }
                }
            }
        }
        files.sort();
        files
    }

    /// Reads a splash folder from disk, reporting every file it cannot read.
    pub fn read(root: &Path) -> Result<SplashFiles, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut files = SplashFiles {
            templates: Vec::new(),
            notices: Vec::new(),
            assets: BTreeMap::new(),
        };
        for folder in ["templates", "notices", "assets"] {
            let dir = root.join(folder);
            let entries = match std::fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(error) => {
                    problems.push(Problem::new(&dir, None, "check-folder-unreadable").arg("error", error));
                    continue;
                }
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if !path.is_file() {
                    continue;
                }
                let name = file_name(&path);
                let bytes = match std::fs::read(&path) {
                    Ok(bytes) => bytes,
                    Err(error) => {
                        problems.push(Problem::new(&path, None, "check-file-unreadable").arg("error", error));
                        continue;
                    }
                };
                if folder == "assets" {
                    files.assets.insert(name, bytes);
                    continue;
                }
                if (folder == "templates" && !name.ends_with(".html"))
                    || (folder == "notices" && !name.ends_with(".toml"))
                {
                    continue;
                }
                match String::from_utf8(bytes) {
                    Ok(text) => {
                        let source = SourceFile { path, text };
                        if folder == "templates" {
                            files.templates.push((name, source));
                        } else {
                            files.notices.push(source);
                        }
                    }
                    Err(error) => {
                        let line = crate::problem::line_of_offset(
                            &String::from_utf8_lossy(error.as_bytes()),
                            error.utf8_error().valid_up_to(),
                        );
                        problems.push(Problem::new(&path, Some(line), "check-not-utf8"));
                    }
                }
            }
        }
        files.sort();
        if problems.is_empty() {
            Ok(files)
        } else {
            Err(problems)
        }
    }

    fn sort(&mut self) {
        self.templates.sort_by(|a, b| a.0.cmp(&b.0));
        self.notices.sort_by(|a, b| a.path.cmp(&b.path));
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}
