//! `Authorization: Bearer <key>` → [`Caller`]; 401 for a bad key, 403 for a short scope.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::http::header::{self, HeaderMap};
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};

use crate::db;
use crate::domain::access::{Caller, Scope};
use crate::domain::quota::Rate;
use crate::error::ApiError;
use crate::state::AppState;

/// A caller already authenticated earlier in the request (by the quota middleware), with
/// the key's own rate; saves the extractor a second lookup.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Caller, pub Option<Rate>);

/// The bearer key of a request: `None` without `Authorization`, 401 when malformed.
fn bearer(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| {
        ApiError::Unauthorized("The Authorization header is not readable text.".into())
    })?;
    match value.split_once(' ') {
        Some((scheme, key)) if scheme.eq_ignore_ascii_case("bearer") && !key.trim().is_empty() => {
            Ok(Some(key.trim().to_string()))
        }
        _ => Err(ApiError::Unauthorized(
            "Use 'Authorization: Bearer <key>'.".into(),
        )),
    }
}

/// Authenticates the request's key, if any: the caller and the key's own rate. Unknown,
/// revoked and expired keys are a 401; the key itself is never logged.
pub async fn resolve(headers: &HeaderMap, state: &AppState) -> Result<Authenticated, ApiError> {
    let Some(key) = bearer(headers)? else {
        return Ok(Authenticated(Caller::Public, None));
    };
    let found = db::run(&state.pool, move |conn| {
        Ok(db::keys::authenticate(conn, &key)?)
    })
    .await?;
    if let Some((_, Some(pk))) = &found {
        // Noted in the background: a read does not wait for a write.
        let (pk, pool) = (*pk, state.pool.clone());
        actix_web::rt::spawn(async move {
            let noted = db::write(&pool, move |conn| Ok(db::keys::note_use(conn, pk)?)).await;
            if let Err(e) = noted {
                tracing::debug!(error = %e, "a key's last use was not noted");
            }
        });
    }
    match found.map(|(k, _)| k) {
        Some(k) => Ok(Authenticated(
            Caller::Key {
                name: k.name,
                scope: k.scope,
            },
            k.rate,
        )),
        None => Err(ApiError::Unauthorized(
            "The key is unknown, revoked or expired.".into(),
        )),
    }
}

/// The caller of a request, from its bearer key (or none).
#[derive(Debug, Clone)]
pub struct Auth(pub Caller);

impl Auth {
    /// Fails with 401 (no key) or 403 (scope too small) unless the caller holds `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        match &self.0 {
            Caller::Public => Err(ApiError::Unauthorized(format!(
                "This needs a key with scope '{scope}'."
            ))),
            c if c.has(scope) => Ok(()),
            _ => Err(ApiError::Forbidden(format!(
                "This needs a key with scope '{scope}'."
            ))),
        }
    }
}

impl FromRequest for Auth {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        if let Some(done) = req.extensions().get::<Authenticated>() {
            let caller = done.0.clone();
            return Box::pin(async move { Ok(Auth(caller)) });
        }
        let headers = req.headers().clone();
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("app state missing"))?;
            resolve(&headers, &state).await.map(|a| Auth(a.0))
        })
    }
}

/// The scope a handler needs, as a type: [`Keyed<Read>`], [`Keyed<Write>`] or
/// [`Keyed<Admin>`] in its arguments states it where the route is written, and no
/// handler body can forget the check.
pub trait Needs {
    /// The scope checked.
    const SCOPE: Scope;
}

/// Scope `read`: drafts, the trash, revisions, media.
#[derive(Debug)]
pub struct Read;
/// Scope `write`: creating and changing content.
#[derive(Debug)]
pub struct Write;
/// Scope `admin`: webhooks, purging for good.
#[derive(Debug)]
pub struct Admin;

impl Needs for Read {
    const SCOPE: Scope = Scope::Read;
}
impl Needs for Write {
    const SCOPE: Scope = Scope::Write;
}
impl Needs for Admin {
    const SCOPE: Scope = Scope::Admin;
}

/// A caller whose key holds at least the scope `S` needs; extracting it answers 401
/// without a usable key and 403 when the key's scope is too small.
#[derive(Debug)]
pub struct Keyed<S>(pub Caller, PhantomData<S>);

impl<S: Needs + 'static> FromRequest for Keyed<S> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let auth = Auth::from_request(req, payload);
        Box::pin(async move {
            let auth = auth.await?;
            auth.require(S::SCOPE)?;
            Ok(Keyed(auth.0, PhantomData))
        })
    }
}
