//! Unescaped HTML sinks (checklist point 7).

pub mod angular_bypass_security_trust;
pub mod dangerously_set_inner_html;
pub mod dynamic_template_source;
pub mod eval_of_dynamic_string;
pub mod html_response_from_format;
pub mod inner_html_sink;
pub mod markup_from_dynamic_string;
pub mod taint;
pub mod template_autoescape_disabled;
pub mod template_safe_filter;
pub mod template_tokens;

use crate::lang::{JsCheck, PyCheck, RustCheck, TextCheck};
use crate::meta::RuleMeta;
use crate::registry::Registry;

static INNER: &[&RuleMeta] = &[&inner_html_sink::INNER_HTML_SINK];
static DANGEROUS: &[&RuleMeta] = &[&dangerously_set_inner_html::DANGEROUSLY_SET_INNER_HTML];
static ANGULAR: &[&RuleMeta] = &[&angular_bypass_security_trust::ANGULAR_BYPASS_SECURITY_TRUST];
static EVAL: &[&RuleMeta] = &[&eval_of_dynamic_string::EVAL_OF_DYNAMIC_STRING];
static RESPONSE: &[&RuleMeta] = &[&html_response_from_format::HTML_RESPONSE_FROM_FORMAT];
static MARKUP: &[&RuleMeta] = &[&markup_from_dynamic_string::MARKUP_FROM_DYNAMIC_STRING];
static TEMPLATE_SRC: &[&RuleMeta] = &[&dynamic_template_source::DYNAMIC_TEMPLATE_SOURCE];
static AUTOESCAPE: &[&RuleMeta] = &[&template_autoescape_disabled::TEMPLATE_AUTOESCAPE_DISABLED];
static SAFE_FILTER: &[&RuleMeta] = &[&template_safe_filter::TEMPLATE_SAFE_FILTER];

pub(crate) fn register(r: &mut Registry) {
    for rules in [
        INNER,
        DANGEROUS,
        ANGULAR,
        EVAL,
        RESPONSE,
        MARKUP,
        TEMPLATE_SRC,
        AUTOESCAPE,
        SAFE_FILTER,
    ] {
        r.rules(rules);
    }
    r.js.push(JsCheck {
        rules: INNER,
        on: inner_html_sink::JS_ON,
        run: inner_html_sink::check_js,
    });
    r.js.push(JsCheck {
        rules: DANGEROUS,
        on: dangerously_set_inner_html::JS_ON,
        run: dangerously_set_inner_html::check_js,
    });
    r.js.push(JsCheck {
        rules: ANGULAR,
        on: angular_bypass_security_trust::JS_ON,
        run: angular_bypass_security_trust::check_js,
    });
    r.js.push(JsCheck {
        rules: EVAL,
        on: eval_of_dynamic_string::JS_ON,
        run: eval_of_dynamic_string::check_js,
    });
    r.js.push(JsCheck {
        rules: RESPONSE,
        on: html_response_from_format::JS_ON,
        run: html_response_from_format::check_js,
    });
    r.py.push(PyCheck {
        rules: RESPONSE,
        on: html_response_from_format::PY_ON,
        run: html_response_from_format::check_py,
    });
    r.rust.push(RustCheck {
        rules: RESPONSE,
        run: html_response_from_format::check_rust,
    });
    r.py.push(PyCheck {
        rules: MARKUP,
        on: markup_from_dynamic_string::PY_ON,
        run: markup_from_dynamic_string::check_py,
    });
    r.rust.push(RustCheck {
        rules: MARKUP,
        run: markup_from_dynamic_string::check_rust,
    });
    r.py.push(PyCheck {
        rules: TEMPLATE_SRC,
        on: dynamic_template_source::PY_ON,
        run: dynamic_template_source::check_py,
    });
    r.js.push(JsCheck {
        rules: TEMPLATE_SRC,
        on: dynamic_template_source::JS_ON,
        run: dynamic_template_source::check_js,
    });
    r.rust.push(RustCheck {
        rules: TEMPLATE_SRC,
        run: dynamic_template_source::check_rust,
    });
    r.py.push(PyCheck {
        rules: AUTOESCAPE,
        on: template_autoescape_disabled::PY_ON,
        run: template_autoescape_disabled::check_py,
    });
    r.js.push(JsCheck {
        rules: AUTOESCAPE,
        on: template_autoescape_disabled::JS_ON,
        run: template_autoescape_disabled::check_js,
    });
    r.rust.push(RustCheck {
        rules: AUTOESCAPE,
        run: template_autoescape_disabled::check_rust,
    });
    r.text.push(TextCheck {
        rules: AUTOESCAPE,
        run: template_autoescape_disabled::check_text,
    });
    r.text.push(TextCheck {
        rules: SAFE_FILTER,
        run: template_safe_filter::check_text,
    });
}
