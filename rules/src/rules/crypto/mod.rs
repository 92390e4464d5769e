//! Weak password hashing and KDF parameters (checklist point 11).

pub mod fast_hash_on_password;
pub mod names;
pub mod weak_hash_algorithm;
pub mod weak_kdf_parameters;

use crate::lang::{JsCheck, PyCheck, RustCheck};
use crate::meta::RuleMeta;
use crate::registry::Registry;

static WEAK_HASH: &[&RuleMeta] = &[&weak_hash_algorithm::WEAK_HASH_ALGORITHM];
static FAST_HASH: &[&RuleMeta] = &[&fast_hash_on_password::FAST_HASH_ON_PASSWORD];
static WEAK_KDF: &[&RuleMeta] = &[&weak_kdf_parameters::WEAK_KDF_PARAMETERS];

pub(crate) fn register(r: &mut Registry) {
    r.rules(WEAK_HASH);
    r.rules(FAST_HASH);
    r.rules(WEAK_KDF);
    r.py.push(PyCheck {
        rules: WEAK_HASH,
        on: weak_hash_algorithm::PY_ON,
        run: weak_hash_algorithm::check_py,
    });
    r.js.push(JsCheck {
        rules: WEAK_HASH,
        on: weak_hash_algorithm::JS_ON,
        run: weak_hash_algorithm::check_js,
    });
    r.rust.push(RustCheck {
        rules: WEAK_HASH,
        run: weak_hash_algorithm::check_rust,
    });
    r.py.push(PyCheck {
        rules: FAST_HASH,
        on: fast_hash_on_password::PY_ON,
        run: fast_hash_on_password::check_py,
    });
    r.js.push(JsCheck {
        rules: FAST_HASH,
        on: fast_hash_on_password::JS_ON,
        run: fast_hash_on_password::check_js,
    });
    r.rust.push(RustCheck {
        rules: FAST_HASH,
        run: fast_hash_on_password::check_rust,
    });
    r.py.push(PyCheck {
        rules: WEAK_KDF,
        on: weak_kdf_parameters::PY_ON,
        run: weak_kdf_parameters::check_py,
    });
    r.js.push(JsCheck {
        rules: WEAK_KDF,
        on: weak_kdf_parameters::JS_ON,
        run: weak_kdf_parameters::check_js,
    });
    r.rust.push(RustCheck {
        rules: WEAK_KDF,
        run: weak_kdf_parameters::check_rust,
    });
}
