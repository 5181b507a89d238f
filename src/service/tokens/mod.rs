//! Record tokens: one JWT claim set per token kind (auth, file, verification, password
//! reset, email change), each signed with the record's `tokenKey` plus the secret of that
//! kind's collection option, so a token of one kind never verifies as another, and
//! changing the password or email (which rotates `tokenKey`) invalidates every token.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{App, ServiceError, ServiceResult};
use crate::core::collection::Collection;
use crate::store::{StoreError, records as rows};

/// The kinds of record tokens, named by their `type` claim as PocketBase names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Auth,
    File,
    Verification,
    PasswordReset,
    EmailChange,
}

impl TokenKind {
    /// The `type` claim.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Auth => "auth",
            TokenKind::File => "file",
            TokenKind::Verification => "verification",
            TokenKind::PasswordReset => "passwordReset",
            TokenKind::EmailChange => "emailChange",
        }
    }

    pub fn parse(claim: &str) -> Option<TokenKind> {
        [
            TokenKind::Auth,
            TokenKind::File,
            TokenKind::Verification,
            TokenKind::PasswordReset,
            TokenKind::EmailChange,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == claim)
    }

    /// The collection option holding this kind's secret and duration.
    pub fn option_key(self) -> &'static str {
        match self {
            TokenKind::Auth => "authToken",
            TokenKind::File => "fileToken",
            TokenKind::Verification => "verificationToken",
            TokenKind::PasswordReset => "passwordResetToken",
            TokenKind::EmailChange => "emailChangeToken",
        }
    }
}

/// The claims of every record token. `email` is set on verification, password reset and
/// email change tokens, `newEmail` on email change tokens, `refreshable` on auth tokens.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TokenClaims {
    #[serde(rename = "collectionId", default)]
    pub collection_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default)]
    pub exp: i64,
    #[serde(default)]
    pub id: String,
    #[serde(rename = "newEmail", default, skip_serializing_if = "Option::is_none")]
    pub new_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refreshable: Option<bool>,
    #[serde(rename = "type", default)]
    pub token_type: String,
}

fn text<'a>(record: &'a Map<String, Value>, key: &str) -> &'a str {
    record.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn signing_key(collection: &Collection, record: &Map<String, Value>, kind: TokenKind) -> Vec<u8> {
    let (secret, _) = collection.token_options(kind.option_key());
    format!("{}{secret}", text(record, "tokenKey")).into_bytes()
}

/// What a new token says besides its kind, record and collection.
#[derive(Debug, Clone, Default)]
pub struct TokenExtras {
    /// Lifetime in seconds; `None` (or not positive) uses the collection option's duration.
    pub duration: Option<i64>,
    pub refreshable: Option<bool>,
    pub new_email: Option<String>,
}

/// Signs a new token of `kind` for `record`.
pub fn new_token(
    collection: &Collection,
    record: &Map<String, Value>,
    kind: TokenKind,
    extras: TokenExtras,
) -> ServiceResult<String> {
    let (secret, default_duration) = collection.token_options(kind.option_key());
    if secret.is_empty() && text(record, "tokenKey").is_empty() {
        return Err(ServiceError::Store(StoreError::Other(
            "missing token signing key".into(),
        )));
    }
    let duration = extras
        .duration
        .filter(|seconds| *seconds > 0)
        .unwrap_or(default_duration)
        .max(1);
    let email = matches!(
        kind,
        TokenKind::Verification | TokenKind::PasswordReset | TokenKind::EmailChange
    )
    .then(|| text(record, "email").to_string());
    let claims = TokenClaims {
        collection_id: collection.id.clone(),
        email,
        exp: chrono::Utc::now().timestamp().saturating_add(duration),
        id: text(record, "id").to_string(),
        new_email: extras.new_email.filter(|_| kind == TokenKind::EmailChange),
        refreshable: match kind {
            TokenKind::Auth => Some(extras.refreshable.unwrap_or(true)),
            _ => None,
        },
        token_type: kind.as_str().to_string(),
    };
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(&signing_key(collection, record, kind)),
    )
    .map_err(|error| {
        ServiceError::Store(StoreError::Other(format!("token signing failed: {error}")))
    })
}

/// The claims of a token without checking its signature or expiry (for the claims
/// PocketBase reads before verifying, like `newEmail`). `None` if it is no JWT.
pub fn unverified_claims(token: &str) -> Option<TokenClaims> {
    if token.is_empty() || token.len() > 4096 {
        return None;
    }
    jsonwebtoken::dangerous::insecure_decode::<TokenClaims>(token)
        .ok()
        .map(|data| data.claims)
}

/// Whether `token` is a valid, unexpired token of `kind` signed for `record`.
pub fn verify(
    collection: &Collection,
    record: &Map<String, Value>,
    token: &str,
    kind: TokenKind,
) -> bool {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 0;
    validation.validate_exp = true;
    validation.required_spec_claims = ["exp".to_string()].into_iter().collect();
    match jsonwebtoken::decode::<TokenClaims>(
        token,
        &DecodingKey::from_secret(&signing_key(collection, record, kind)),
        &validation,
    ) {
        Ok(data) => {
            data.claims.token_type == kind.as_str()
                && data.claims.id == text(record, "id")
                && data.claims.collection_id == collection.id
        }
        Err(_) => false,
    }
}

/// A record found by a token, with the token's claims.
#[derive(Debug, Clone)]
pub struct TokenRecord {
    pub collection: std::sync::Arc<Collection>,
    pub record: Map<String, Value>,
    pub claims: TokenClaims,
}

impl App {
    /// The auth record a valid token of `kind` was issued for. `None` for anything
    /// invalid: garbage, another kind, a bad signature, expired, an unknown record.
    pub async fn find_record_by_token(&self, token: &str, kind: TokenKind) -> Option<TokenRecord> {
        let claims = unverified_claims(token)?;
        if claims.id.is_empty()
            || claims.collection_id.is_empty()
            || TokenKind::parse(&claims.token_type) != Some(kind)
        {
            return None;
        }
        let collection = self.schema().by_id(&claims.collection_id).cloned()?;
        if !collection.is_auth() {
            return None;
        }
        let lookup = collection.clone();
        let id = claims.id.clone();
        let record = self
            .store
            .read_point(move |conn| rows::get(conn, &lookup, &id, &[]))
            .await
            .ok()??;
        verify(&collection, &record, token, kind).then_some(TokenRecord {
            collection,
            record,
            claims,
        })
    }
}

#[cfg(test)]
mod tests;
