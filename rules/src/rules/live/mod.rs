//! Live checks of a deployed site (checklist points 1, 9, 10, 12, 25). The network part lives in
//! the `predeploy-probe` crate, which records what it observed as probe documents
//! (`doc.rs`); these rules judge the documents, so they stay pure and testable with fixtures.

pub mod doc;
pub mod live_certificate_expiring;
pub mod live_certificate_invalid;
pub mod live_clickjacking;
pub mod live_cookie_insecure;
pub mod live_csp_weak;
pub mod live_debug_endpoint_exposed;
pub mod live_hsts_weak;
pub mod live_http_served;
pub mod live_nosniff_missing;
pub mod live_permissions_policy_missing;
pub mod live_referrer_policy_weak;
pub mod live_security_txt_invalid;
pub mod live_stack_trace_exposed;
pub mod live_tls_outdated;
pub mod live_version_banner;

use crate::engine::FileCx;
use crate::lang::TextCheck;
use crate::meta::RuleMeta;
use crate::registry::Registry;
use crate::source::FileKind;

pub static RULES: &[&RuleMeta] = &[
    &live_certificate_expiring::LIVE_CERTIFICATE_EXPIRING,
    &live_certificate_invalid::LIVE_CERTIFICATE_INVALID,
    &live_clickjacking::LIVE_CLICKJACKING,
    &live_cookie_insecure::LIVE_COOKIE_INSECURE,
    &live_csp_weak::LIVE_CSP_WEAK,
    &live_debug_endpoint_exposed::LIVE_DEBUG_ENDPOINT_EXPOSED,
    &live_hsts_weak::LIVE_HSTS_WEAK,
    &live_http_served::LIVE_HTTP_SERVED,
    &live_nosniff_missing::LIVE_NOSNIFF_MISSING,
    &live_permissions_policy_missing::LIVE_PERMISSIONS_POLICY_MISSING,
    &live_referrer_policy_weak::LIVE_REFERRER_POLICY_WEAK,
    &live_security_txt_invalid::LIVE_SECURITY_TXT_INVALID,
    &live_stack_trace_exposed::LIVE_STACK_TRACE_EXPOSED,
    &live_tls_outdated::LIVE_TLS_OUTDATED,
    &live_version_banner::LIVE_VERSION_BANNER,
];

fn run(cx: &mut FileCx<'_>) {
    if cx.kind != FileKind::Probe {
        return;
    }
    let text = cx.text;
    match doc::parse(text) {
        Some(doc::ProbeDoc::Http(d)) => {
            live_hsts_weak::check(cx, &d);
            live_csp_weak::check(cx, &d);
            live_nosniff_missing::check(cx, &d);
            live_clickjacking::check(cx, &d);
            live_referrer_policy_weak::check(cx, &d);
            live_permissions_policy_missing::check(cx, &d);
            live_version_banner::check(cx, &d);
            live_cookie_insecure::check(cx, &d);
            live_http_served::check(cx, &d);
            live_security_txt_invalid::check(cx, &d);
            live_debug_endpoint_exposed::check(cx, &d);
            live_stack_trace_exposed::check(cx, &d);
        }
        Some(doc::ProbeDoc::Tls(d)) => {
            live_tls_outdated::check(cx, &d);
            live_certificate_invalid::check(cx, &d);
            live_certificate_expiring::check(cx, &d);
        }
        None => {}
    }
}

pub(crate) fn register(r: &mut Registry) {
    r.rules(RULES);
    r.text.push(TextCheck { rules: RULES, run });
}
