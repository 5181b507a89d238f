//! System pages of the admin UI: settings, superusers and the request log.

use actix_web::web;

pub fn configure(_config: &mut web::ServiceConfig) {}
