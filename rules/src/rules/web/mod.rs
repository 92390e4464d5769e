//! Application code checks from the rest of the checklist: TLS, debug mode, headers, randomness, sessions, redirects, logging, keys.

pub mod body_limit_disabled;
pub(crate) mod common;
pub mod debug_mode_enabled;
pub mod error_details_exposed;
pub mod frame_protection_disabled;
pub mod graphql_introspection_enabled;
pub mod hardcoded_crypto_key;
pub(crate) mod headers;
pub mod insecure_http_url;
pub mod insecure_randomness;
pub mod jwt_verification_disabled;
pub mod long_session_lifetime;
pub mod oauth_state_missing;
pub mod open_redirect;
pub mod security_headers_missing;
pub mod sensitive_data_logged;
pub mod short_password_min_length;
pub mod swagger_ui_exposed;
pub mod tls_verification_disabled;
pub mod token_in_url;
pub mod unsafe_csp;
pub mod weak_hsts;
pub mod weak_tls_version;

use crate::lang::{JsCheck, PyCheck, RustCheck};
use crate::meta::RuleMeta;
use crate::registry::Registry;

static TLS_OFF: &[&RuleMeta] = &[&tls_verification_disabled::TLS_VERIFICATION_DISABLED];
static WEAK_TLS: &[&RuleMeta] = &[&weak_tls_version::WEAK_TLS_VERSION];
static DEBUG: &[&RuleMeta] = &[&debug_mode_enabled::DEBUG_MODE_ENABLED];
static ERR: &[&RuleMeta] = &[&error_details_exposed::ERROR_DETAILS_EXPOSED];
static JWT: &[&RuleMeta] = &[&jwt_verification_disabled::JWT_VERIFICATION_DISABLED];
static REDIR: &[&RuleMeta] = &[&open_redirect::OPEN_REDIRECT];
static LOGS: &[&RuleMeta] = &[&sensitive_data_logged::SENSITIVE_DATA_LOGGED];
static KEYS: &[&RuleMeta] = &[&hardcoded_crypto_key::HARDCODED_CRYPTO_KEY];
static HTTP: &[&RuleMeta] = &[&insecure_http_url::INSECURE_HTTP_URL];
static HSTS: &[&RuleMeta] = &[&weak_hsts::WEAK_HSTS];
static CSP: &[&RuleMeta] = &[&unsafe_csp::UNSAFE_CSP];
static HDRS: &[&RuleMeta] = &[&security_headers_missing::SECURITY_HEADERS_MISSING];
static GQL: &[&RuleMeta] = &[&graphql_introspection_enabled::GRAPHQL_INTROSPECTION_ENABLED];
static DOCS: &[&RuleMeta] = &[&swagger_ui_exposed::SWAGGER_UI_EXPOSED];
static BODY: &[&RuleMeta] = &[&body_limit_disabled::BODY_LIMIT_DISABLED];
static FRAME: &[&RuleMeta] = &[&frame_protection_disabled::FRAME_PROTECTION_DISABLED];
static SESSION: &[&RuleMeta] = &[&long_session_lifetime::LONG_SESSION_LIFETIME];
static PWLEN: &[&RuleMeta] = &[&short_password_min_length::SHORT_PASSWORD_MIN_LENGTH];
static OAUTH: &[&RuleMeta] = &[&oauth_state_missing::OAUTH_STATE_MISSING];
static TOKURL: &[&RuleMeta] = &[&token_in_url::TOKEN_IN_URL];
static RAND: &[&RuleMeta] = &[&insecure_randomness::INSECURE_RANDOMNESS];

/// Registers a rule slice with its per-language checks.
macro_rules! reg {
    ($r:ident, $rules:ident, $($lang:ident => $m:ident),+ $(,)?) => {{
        $r.rules($rules);
        $(reg!(@one $r, $rules, $lang, $m);)+
    }};
    (@one $r:ident, $rules:ident, py, $m:ident) => {
        $r.py.push(PyCheck { rules: $rules, on: $m::PY_ON, run: $m::check_py })
    };
    (@one $r:ident, $rules:ident, js, $m:ident) => {
        $r.js.push(JsCheck { rules: $rules, on: $m::JS_ON, run: $m::check_js })
    };
    (@one $r:ident, $rules:ident, rust, $m:ident) => {
        $r.rust.push(RustCheck { rules: $rules, run: $m::check_rust })
    };
}

pub(crate) fn register(r: &mut Registry) {
    use body_limit_disabled as body;
    use debug_mode_enabled as dbg;
    use error_details_exposed as err;
    use frame_protection_disabled as frame;
    use graphql_introspection_enabled as gql;
    use hardcoded_crypto_key as keys;
    use insecure_http_url as http;
    use insecure_randomness as rnd;
    use jwt_verification_disabled as jwt;
    use long_session_lifetime as sess;
    use oauth_state_missing as oauth;
    use open_redirect as redir;
    use security_headers_missing as hdrs;
    use sensitive_data_logged as logs;
    use short_password_min_length as pwlen;
    use swagger_ui_exposed as docs;
    use tls_verification_disabled as tls;
    use token_in_url as tokurl;
    use unsafe_csp as csp;
    use weak_hsts as hsts;
    use weak_tls_version as wtls;
    reg!(r, TLS_OFF, py => tls, js => tls, rust => tls);
    reg!(r, WEAK_TLS, py => wtls, js => wtls, rust => wtls);
    reg!(r, DEBUG, py => dbg);
    reg!(r, JWT, py => jwt, js => jwt, rust => jwt);
    reg!(r, REDIR, py => redir, js => redir, rust => redir);
    reg!(r, LOGS, py => logs, js => logs, rust => logs);
    reg!(r, KEYS, py => keys, js => keys, rust => keys);
    reg!(r, HTTP, py => http, js => http, rust => http);
    reg!(r, HSTS, py => hsts, js => hsts, rust => hsts);
    reg!(r, CSP, py => csp, js => csp, rust => csp);
    reg!(r, HDRS, py => hdrs, js => hdrs, rust => hdrs);
    reg!(r, GQL, py => gql, js => gql, rust => gql);
    reg!(r, DOCS, py => docs, js => docs, rust => docs);
    reg!(r, BODY, py => body, js => body, rust => body);
    reg!(r, FRAME, py => frame, js => frame, rust => frame);
    reg!(r, SESSION, py => sess, js => sess, rust => sess);
    reg!(r, PWLEN, py => pwlen, js => pwlen, rust => pwlen);
    reg!(r, OAUTH, py => oauth, js => oauth, rust => oauth);
    reg!(r, TOKURL, py => tokurl, js => tokurl, rust => tokurl);
    reg!(r, RAND, py => rnd, js => rnd, rust => rnd);
    reg!(r, ERR, py => err, js => err, rust => err);
}
