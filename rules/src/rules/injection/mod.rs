//! Injection (checklist point 6).

pub mod sql_string_concat;

use crate::lang::{JsCheck, PyCheck, RustCheck};
use crate::registry::Registry;

use crate::meta::RuleMeta;
use sql_string_concat as sql;

static SQL: &[&RuleMeta] = &[&sql::SQL_STRING_CONCAT];

pub(crate) fn register(r: &mut Registry) {
    r.rules(SQL);
    r.js.push(JsCheck {
        rules: SQL,
        on: sql::JS_ON,
        run: sql::check_js,
    });
    r.py.push(PyCheck {
        rules: SQL,
        on: sql::PY_ON,
        run: sql::check_py,
    });
    r.rust.push(RustCheck {
        rules: SQL,
        run: sql::check_rust,
    });
}
