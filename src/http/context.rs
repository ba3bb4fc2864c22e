//! What every handler takes from a request, in one extractor: the request itself (its
//! headers for conditional answers, its path), the application's state, and the caller
//! as the auth extractor `A` resolved it — [`Auth`] (anyone, with or without a key) or
//! [`Keyed<S>`](crate::http::auth::Keyed) (a key of scope `S`, else 401 or 403).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};

use crate::error::ApiError;
use crate::http::auth::Auth;
use crate::state::AppState;

/// A handler's context: `cx: Cx` (anyone) or `cx: Cx<Keyed<Write>>` (a write key).
pub struct Cx<A = Auth> {
    /// The request.
    pub req: HttpRequest,
    /// The application's state: store, caches, configuration.
    pub state: web::Data<AppState>,
    /// The caller, as `A` admitted it.
    pub auth: A,
}

impl<A: FromRequest<Error = ApiError> + 'static> FromRequest for Cx<A> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let auth = A::from_request(req, payload);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let req = req.clone();
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("no application state"))?;
            Ok(Self {
                auth: auth.await?,
                state,
                req,
            })
        })
    }
}
