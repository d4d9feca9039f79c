//! The quiz token: ties an answer to the question it answers.
//!
//! The splash form carries the token in a hidden field, because the sign-in windows of iOS and
//! Android cannot be relied on to keep cookies. The token is signed with HMAC-SHA256 and binds the
//! notice, the order the answers were shown in, the device, an expiry and the number of wrong
//! answers so far. A random nonce lets the store reject a token used twice.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::content::is_valid_id;
use crate::identity::DeviceId;

const VERSION: &str = "t1";
/// Version tag of anonymous tokens; a quiz token can never pass for one, nor the reverse.
const ANONYMOUS_VERSION: &str = "a1";
/// Maximum token length accepted, far above any real one, so garbage is rejected before decoding.
pub const MAX_TOKEN_LEN: usize = 512;

/// The claims of a token, once its signature is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    pub notice: String,
    /// `order[k]` is the file-order index of the answer shown at position `k`.
    pub order: Vec<usize>,
    pub device: DeviceId,
    /// Seconds since the Unix epoch after which the token is void.
    pub expires: u64,
    /// Wrong answers the device gave before this question.
    pub wrong_so_far: u32,
    /// Random, 128 bits in hex; used once.
    pub nonce: String,
}

/// The reason a token was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Missing, too long, or not made of the expected parts.
    #[error("malformed token")]
    Malformed,
    /// The signature does not match: forged or altered.
    #[error("token signature does not match")]
    Forged,
    /// Issued to another device.
    #[error("token was issued to another device")]
    OtherDevice,
    /// Older than the question lifetime.
    #[error("token has expired")]
    Expired,
    /// Already used for an answer.
    #[error("token was already used")]
    Replayed,
}

impl TokenError {
    /// Label value for metrics.
    pub fn label(self) -> &'static str {
        match self {
            TokenError::Malformed => "malformed",
            TokenError::Forged => "forged",
            TokenError::OtherDevice => "other_device",
            TokenError::Expired => "expired",
            TokenError::Replayed => "replayed",
        }
    }
}

/// Signs and checks tokens.
#[derive(Clone)]
pub struct TokenSigner {
    key: [u8; 32],
}

impl TokenSigner {
    pub fn new(key: [u8; 32]) -> TokenSigner {
        TokenSigner { key }
    }

    /// Issues a token for a question shown now, valid for `lifetime`.
    pub fn issue(
        &self,
        notice: &str,
        order: &[usize],
        device: &DeviceId,
        wrong_so_far: u32,
        lifetime: Duration,
    ) -> String {
        let mut nonce = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut nonce);
        let claims = Claims {
            notice: notice.to_string(),
            order: order.to_vec(),
            device: device.clone(),
            expires: unix_now().saturating_add(lifetime.as_secs()),
            wrong_so_far,
            nonce: nonce.iter().map(|b| format!("{b:02x}")).collect(),
        };
        self.sign(&claims)
    }

    /// Encodes and signs `claims`.
    pub fn sign(&self, claims: &Claims) -> String {
        let order: String = claims.order.iter().map(|index| index.to_string()).collect();
        let payload = format!(
            "{VERSION}|{}|{order}|{}|{}|{}|{}",
            claims.notice, claims.device, claims.expires, claims.wrong_so_far, claims.nonce
        );
        let signature = self.mac(payload.as_bytes()).finalize().into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(signature)
        )
    }

    /// Checks a token presented by `device` at `now` (seconds since the Unix epoch). Replay is
    /// checked by the store, which remembers used nonces.
    pub fn verify(&self, token: &str, device: &DeviceId, now: u64) -> Result<Claims, TokenError> {
        let payload = self.signed_payload(token)?;
        let claims = parse_payload(&payload).ok_or(TokenError::Malformed)?;
        if &claims.device != device {
            return Err(TokenError::OtherDevice);
        }
        if now > claims.expires {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }

    /// Issues a one-time token that names no device, for the anonymous audience question.
    pub fn issue_anonymous(&self, lifetime: Duration) -> String {
        let mut nonce = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut nonce);
        let nonce: String = nonce.iter().map(|b| format!("{b:02x}")).collect();
        let payload = format!(
            "{ANONYMOUS_VERSION}|{}|{nonce}",
            unix_now().saturating_add(lifetime.as_secs())
        );
        let signature = self.mac(payload.as_bytes()).finalize().into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(signature)
        )
    }

    /// Checks an anonymous token and returns its nonce and expiry; replay is checked by the
    /// store like for quiz tokens.
    pub fn verify_anonymous(&self, token: &str, now: u64) -> Result<(String, u64), TokenError> {
        let payload = self.signed_payload(token)?;
        let mut fields = payload.split('|');
        if fields.next() != Some(ANONYMOUS_VERSION) {
            return Err(TokenError::Malformed);
        }
        let expires: u64 = fields
            .next()
            .and_then(|text| text.parse().ok())
            .ok_or(TokenError::Malformed)?;
        let nonce = fields
            .next()
            .filter(|nonce| nonce.len() == 32)
            .ok_or(TokenError::Malformed)?;
        if now > expires {
            return Err(TokenError::Expired);
        }
        Ok((nonce.to_string(), expires))
    }

    /// Decodes a `payload.signature` token and checks its signature; the payload is then ours,
    /// though still parsed strictly by the caller.
    fn signed_payload(&self, token: &str) -> Result<String, TokenError> {
        if token.is_empty() || token.len() > MAX_TOKEN_LEN {
            return Err(TokenError::Malformed);
        }
        let (payload, signature) = token.split_once('.').ok_or(TokenError::Malformed)?;
        if payload.is_empty() || signature.is_empty() {
            return Err(TokenError::Malformed);
        }
        let payload = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| TokenError::Malformed)?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| TokenError::Malformed)?;
        self.mac(&payload)
            .verify_slice(&signature)
            .map_err(|_| TokenError::Forged)?;
        String::from_utf8(payload).map_err(|_| TokenError::Malformed)
    }

    fn mac(&self, payload: &[u8]) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(payload);
        mac
    }
}

fn parse_payload(payload: &str) -> Option<Claims> {
    let mut fields = payload.split('|');
    if fields.next()? != VERSION {
        return None;
    }
    let notice = fields.next()?;
    let order = fields.next()?;
    let device = DeviceId::parse(fields.next()?)?;
    let expires = fields.next()?.parse().ok()?;
    let wrong_so_far = fields.next()?.parse().ok()?;
    let nonce = fields.next()?;
    if fields.next().is_some() || !is_valid_id(notice) || nonce.len() != 32 {
        return None;
    }
    let order: Vec<usize> = order
        .chars()
        .map(|c| c.to_digit(10).map(|d| d as usize))
        .collect::<Option<_>>()?;
    Some(Claims {
        notice: notice.to_string(),
        order,
        device,
        expires,
        wrong_so_far,
        nonce: nonce.to_string(),
    })
}

/// Returns seconds since the Unix epoch; 0 if the clock is before 1970.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(fill: char) -> DeviceId {
        DeviceId::parse(&fill.to_string().repeat(32)).expect("valid id")
    }

    #[test]
    fn round_trip_keeps_claims() {
        let signer = TokenSigner::new([3; 32]);
        let token = signer.issue(
            "otp-never-share",
            &[2, 0, 1],
            &device('a'),
            1,
            Duration::from_secs(60),
        );
        let claims = signer.verify(&token, &device('a'), unix_now()).expect("valid");
        assert_eq!(claims.notice, "otp-never-share");
        assert_eq!(claims.order, [2, 0, 1]);
        assert_eq!(claims.wrong_so_far, 1);
        assert_eq!(claims.nonce.len(), 32);
    }

    #[test]
    fn altered_payload_is_forged() {
        let signer = TokenSigner::new([3; 32]);
        let token = signer.issue(
            "otp-never-share",
            &[0, 1],
            &device('a'),
            0,
            Duration::from_secs(60),
        );
        let (payload, signature) = token.split_once('.').expect("two parts");
        let decoded = String::from_utf8(URL_SAFE_NO_PAD.decode(payload).expect("base64")).expect("utf8");
        let altered = URL_SAFE_NO_PAD.encode(decoded.replace("|01|", "|10|"));
        let result = signer.verify(&format!("{altered}.{signature}"), &device('a'), unix_now());
        assert_eq!(result, Err(TokenError::Forged));
    }

    #[test]
    fn other_key_is_forged() {
        let token = TokenSigner::new([3; 32]).issue("abc", &[0, 1], &device('a'), 0, Duration::from_secs(60));
        let result = TokenSigner::new([4; 32]).verify(&token, &device('a'), unix_now());
        assert_eq!(result, Err(TokenError::Forged));
    }

    #[test]
    fn other_device_rejected() {
        let signer = TokenSigner::new([3; 32]);
        let token = signer.issue("abc", &[0, 1], &device('a'), 0, Duration::from_secs(60));
        assert_eq!(
            signer.verify(&token, &device('b'), unix_now()),
            Err(TokenError::OtherDevice)
        );
    }

    #[test]
    fn expired_token_rejected() {
        let signer = TokenSigner::new([3; 32]);
        let token = signer.issue("abc", &[0, 1], &device('a'), 0, Duration::from_secs(60));
        assert_eq!(
            signer.verify(&token, &device('a'), unix_now() + 61),
            Err(TokenError::Expired)
        );
    }

    #[test]
    fn anonymous_token_names_no_device_and_is_distinct() {
        let signer = TokenSigner::new([3; 32]);
        let token = signer.issue_anonymous(Duration::from_secs(60));
        let (nonce, _) = signer.verify_anonymous(&token, unix_now()).expect("valid");
        assert_eq!(nonce.len(), 32);
        assert_eq!(
            signer.verify_anonymous(&token, unix_now() + 61),
            Err(TokenError::Expired)
        );
        assert_eq!(
            signer.verify(&token, &device('a'), unix_now()),
            Err(TokenError::Malformed)
        );
        let quiz = signer.issue("abc", &[0, 1], &device('a'), 0, Duration::from_secs(60));
        assert_eq!(
            signer.verify_anonymous(&quiz, unix_now()),
            Err(TokenError::Malformed)
        );
    }

    #[test]
    fn garbage_is_malformed() {
        let signer = TokenSigner::new([3; 32]);
        for garbage in ["", ".", "abc", "a.b.c", "%%%.###", &"x".repeat(MAX_TOKEN_LEN + 1)] {
            assert_eq!(
                signer.verify(garbage, &device('a'), unix_now()),
                Err(TokenError::Malformed),
                "{garbage}"
            );
        }
    }

    #[test]
    fn signed_but_bad_payload_is_malformed() {
        let signer = TokenSigner::new([3; 32]);
        let mut claims = signer
            .verify(
                &signer.issue("abc", &[0, 1], &device('a'), 0, Duration::from_secs(60)),
                &device('a'),
                unix_now(),
            )
            .expect("valid");
        claims.notice = "Bad|Id".to_string();
        assert_eq!(
            signer.verify(&signer.sign(&claims), &device('a'), unix_now()),
            Err(TokenError::Malformed)
        );
    }
}
