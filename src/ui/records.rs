//! Records pages of the admin UI (the record browser of each collection).

use actix_web::web;

pub fn configure(_config: &mut web::ServiceConfig) {}
