//! `Authorization: Bearer <key>` → [`Caller`]; 401 for a bad key, 403 for a short scope.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};

use crate::app::AppState;
use crate::db;
use crate::domain::access::{Caller, Scope};
use crate::error::ApiError;

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
        let header = req
            .headers()
            .get(header::AUTHORIZATION)
            .map(|v| v.to_str().map(str::to_owned));
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let key = match header {
                None => return Ok(Auth(Caller::Public)),
                Some(Ok(v)) => match v.split_once(' ') {
                    Some((scheme, key))
                        if scheme.eq_ignore_ascii_case("bearer") && !key.trim().is_empty() =>
                    {
                        key.trim().to_string()
                    }
                    _ => {
                        return Err(ApiError::Unauthorized(
                            "Use 'Authorization: Bearer <key>'.".into(),
                        ));
                    }
                },
                Some(Err(_)) => {
                    return Err(ApiError::Unauthorized(
                        "The Authorization header is not readable text.".into(),
                    ));
                }
            };
            let state = state.ok_or_else(|| ApiError::internal("app state missing"))?;
            let found = db::run(&state.pool, move |conn| {
                Ok(db::keys::authenticate(conn, &key)?)
            })
            .await?;
            match found {
                Some((name, scope)) => Ok(Auth(Caller::Key { name, scope })),
                None => Err(ApiError::Unauthorized(
                    "The key is unknown or revoked.".into(),
                )),
            }
        })
    }
}
