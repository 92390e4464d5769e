//! Every rule, grouped by family. Each family's `register` adds its rules' metadata and checks.
//! One rule per file; a family's `mod.rs` only lists and registers.

pub mod access;
pub mod cookies;
pub mod crypto;
pub mod deps;
pub mod infra;
pub mod injection;
pub mod live;
pub mod secrets;
pub mod web;
pub mod xss;

use crate::registry::Registry;

pub(crate) fn register_all(r: &mut Registry) {
    injection::register(r);
    xss::register(r);
    crypto::register(r);
    cookies::register(r);
    secrets::register(r);
    access::register(r);
    deps::register(r);
    web::register(r);
    infra::register(r);
    live::register(r);
}
