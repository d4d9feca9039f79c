//! TLS for the optional HTTPS portal listener: the operator's PEM certificate and key, loaded at
//! start and again on each reload, so a renewed certificate needs no restart.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// The certificate or key could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A PEM file could not be read or has no usable item.
    #[error("cannot read {path}: {reason}")]
    Pem { path: PathBuf, reason: String },
    /// rustls rejected the pair (key does not match, unsupported key type).
    #[error("certificate {certificate} and key {key} cannot be used together: {source}")]
    Pair {
        certificate: PathBuf,
        key: PathBuf,
        #[source]
        source: rustls::Error,
    },
}

/// Loads the certificate chain and key into a server configuration that speaks HTTP/1.1.
pub fn load(certificate: &Path, key: &Path) -> Result<Arc<ServerConfig>, TlsError> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(certificate)
        .and_then(|items| items.collect::<Result<_, _>>())
        .map_err(|error| TlsError::Pem {
            path: certificate.to_path_buf(),
            reason: error.to_string(),
        })?;
    if chain.is_empty() {
        return Err(TlsError::Pem {
            path: certificate.to_path_buf(),
            reason: "no CERTIFICATE block found".to_string(),
        });
    }
    let private_key = PrivateKeyDer::from_pem_file(key).map_err(|error| TlsError::Pem {
        path: key.to_path_buf(),
        reason: error.to_string(),
    })?;

    // ring rather than rustls's default aws-lc-rs: it builds with a plain C compiler for the
    // MIPS and ARM routers antoan runs on. rustls marks it deprecated because it lacks the
    // post-quantum key exchange, which captive-portal pages do not need.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let pair_error = |source| TlsError::Pair {
        certificate: certificate.to_path_buf(),
        key: key.to_path_buf(),
        source,
    };
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(pair_error)?
        .with_no_client_auth()
        .with_single_cert(chain, private_key)
        .map_err(pair_error)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The server configuration in force; a reload swaps it for new connections.
pub struct TlsSlot {
    current: RwLock<Arc<ServerConfig>>,
}

impl TlsSlot {
    pub fn new(config: Arc<ServerConfig>) -> TlsSlot {
        TlsSlot {
            current: RwLock::new(config),
        }
    }

    pub fn get(&self) -> Arc<ServerConfig> {
        Arc::clone(
            &self
                .current
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        )
    }

    pub fn replace(&self, config: Arc<ServerConfig>) {
        *self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = config;
    }
}
