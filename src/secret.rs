//! The keys antoan generates on first start: one signs quiz tokens, one hashes device addresses.
//!
//! They live in `<state dir>/secret.key`, 64 random bytes, mode 0600. Losing the file only
//! invalidates questions on screen and restarts rotation history; it is never sent anywhere.

use std::fs::{self, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use rand::RngCore;

const SECRET_LEN: usize = 64;

/// The two keys.
#[derive(Clone)]
pub struct Secrets {
    pub token_key: [u8; 32],
    pub device_key: [u8; 32],
}

/// The secret file could not be read or created.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The file exists but cannot be read or written.
    #[error("cannot use secret file {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The file has the wrong size, so it was not written by antoan or was cut short.
    #[error(
        "secret file {path} has {found} bytes, expected {SECRET_LEN}; remove it and antoan \
         creates a new one (questions on screen then need a reload)"
    )]
    WrongSize { path: PathBuf, found: usize },
}

/// Loads the secrets from `dir`, creating them with mode 0600 on first start.
pub fn load_or_create(dir: &Path) -> Result<Secrets, SecretError> {
    let path = dir.join("secret.key");
    let io_error = |source| SecretError::Io {
        path: path.clone(),
        source,
    };

    let bytes = match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
    {
        Ok(mut file) => {
            let mut bytes = vec![0u8; SECRET_LEN];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            file.write_all(&bytes)
                .and_then(|()| file.sync_all())
                .map_err(io_error)?;
            bytes
        }
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
            let mut file = OpenOptions::new().read(true).open(&path).map_err(io_error)?;
            let mode = file.metadata().map_err(io_error)?.permissions().mode();
            if mode & 0o077 != 0 {
                tracing::warn!(path = %path.display(), mode = format!("{:o}", mode & 0o777), "secret file was readable by others; setting mode 0600");
                fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).map_err(io_error)?;
            }
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes).map_err(io_error)?;
            bytes
        }
        Err(error) => return Err(io_error(error)),
    };

    if bytes.len() != SECRET_LEN {
        return Err(SecretError::WrongSize {
            path,
            found: bytes.len(),
        });
    }
    let mut token_key = [0u8; 32];
    let mut device_key = [0u8; 32];
    token_key.copy_from_slice(&bytes[..32]);
    device_key.copy_from_slice(&bytes[32..]);
    Ok(Secrets {
        token_key,
        device_key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_with_mode_0600_and_reloaded() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = load_or_create(dir.path()).expect("created");
        let mode = fs::metadata(dir.path().join("secret.key"))
            .expect("exists")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let second = load_or_create(dir.path()).expect("reloaded");
        assert_eq!(first.token_key, second.token_key);
        assert_eq!(first.device_key, second.device_key);
        assert_ne!(first.token_key, first.device_key);
    }

    #[test]
    fn truncated_file_is_an_error_not_a_new_key() {
        let dir = tempfile::tempdir().expect("temp dir");
        fs::write(dir.path().join("secret.key"), b"short").expect("written");
        let error = load_or_create(dir.path()).err().expect("rejected");
        assert!(error.to_string().contains("has 5 bytes"), "{error}");
        assert_eq!(fs::read(dir.path().join("secret.key")).expect("kept"), b"short");
    }

    #[test]
    fn loose_permissions_are_tightened() {
        let dir = tempfile::tempdir().expect("temp dir");
        load_or_create(dir.path()).expect("created");
        let path = dir.path().join("secret.key");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
        load_or_create(dir.path()).expect("reloaded");
        assert_eq!(
            fs::metadata(&path).expect("exists").permissions().mode() & 0o777,
            0o600
        );
    }
}
