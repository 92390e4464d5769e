//! Application code checks from the rest of the checklist: TLS, debug mode, headers, randomness, sessions, redirects, logging, keys.

pub(crate) mod common;
pub mod tls_verification_disabled;
pub mod weak_tls_version;

use crate::lang::{JsCheck, PyCheck, RustCheck};
use crate::meta::RuleMeta;
use crate::registry::Registry;

static TLS_OFF: &[&RuleMeta] = &[&tls_verification_disabled::TLS_VERIFICATION_DISABLED];
static WEAK_TLS: &[&RuleMeta] = &[&weak_tls_version::WEAK_TLS_VERSION];

pub(crate) fn register(r: &mut Registry) {
    r.rules(TLS_OFF);
    r.py.push(PyCheck {
        rules: TLS_OFF,
        run: tls_verification_disabled::check_py,
    });
    r.js.push(JsCheck {
        rules: TLS_OFF,
        run: tls_verification_disabled::check_js,
    });
    r.rust.push(RustCheck {
        rules: TLS_OFF,
        run: tls_verification_disabled::check_rust,
    });

    r.rules(WEAK_TLS);
    r.py.push(PyCheck {
        rules: WEAK_TLS,
        run: weak_tls_version::check_py,
    });
    r.js.push(JsCheck {
        rules: WEAK_TLS,
        run: weak_tls_version::check_js,
    });
    r.rust.push(RustCheck {
        rules: WEAK_TLS,
        run: weak_tls_version::check_rust,
    });
}
