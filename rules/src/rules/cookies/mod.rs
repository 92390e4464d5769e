//! Cookies without Secure/HttpOnly/SameSite (checklist point 12).

pub mod check;
pub mod cookie_missing_httponly;
pub mod cookie_missing_samesite;
pub mod cookie_missing_secure;
mod js;
mod py;
mod rs;

use crate::lang::{JsCheck, PyCheck, RustCheck};
use crate::meta::RuleMeta;
use crate::registry::Registry;

static COOKIES: &[&RuleMeta] = &[
    &cookie_missing_secure::COOKIE_MISSING_SECURE,
    &cookie_missing_httponly::COOKIE_MISSING_HTTPONLY,
    &cookie_missing_samesite::COOKIE_MISSING_SAMESITE,
];

pub(crate) fn register(r: &mut Registry) {
    r.rules(COOKIES);
    r.js.push(JsCheck {
        rules: COOKIES,
        on: js::JS_ON,
        run: js::check_js,
    });
    r.py.push(PyCheck {
        rules: COOKIES,
        on: py::PY_ON,
        run: py::check_py,
    });
    r.rust.push(RustCheck {
        rules: COOKIES,
        run: rs::check_rust,
    });
}
