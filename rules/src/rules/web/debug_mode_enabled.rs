use super::common;
use crate::lang::python::{self as py, PyCx};
use crate::lang::NodeExt;
use crate::meta::Severity;
use tree_sitter::Node;

crate::declare_rule! {
    /// ## What it does
    /// Flags web frameworks switched to debug mode in code: Flask `app.run(debug=True)`,
    /// `app.debug = True`, `app.config["DEBUG"] = True`, `app.config.update(DEBUG=True)`;
    /// FastAPI/Starlette `FastAPI(debug=True)`; Django `DEBUG = True` at module level of a
    /// settings module.
    ///
    /// ## Why is this bad?
    /// Debug mode shows full tracebacks, local variables, settings and SQL to whoever triggers an
    /// error. Flask's debugger (Werkzeug) goes further: its console executes arbitrary Python
    /// on the server for anyone who can reach it (the PIN is guessable from leaked data).
    /// Django with `DEBUG = True` also lists every URL pattern on 404 pages and keeps every SQL
    /// query in memory.
    ///
    /// ## Example
    /// ```python
    /// app = Flask(__name__)
    /// app.run(host="0.0.0.0", debug=True)
    /// ```
    /// ```python
    /// # settings.py
    /// DEBUG = True
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// app.run(debug=os.environ.get("FLASK_DEBUG") == "1")
    /// ```
    /// ```python
    /// DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"
    /// ```
    ///
    /// ## How to fix
    /// Read the switch from the environment with a safe default (off), and run production behind
    /// a WSGI/ASGI server (gunicorn, uvicorn) rather than `app.run`. Keep `DEBUG = True` only in a
    /// development settings module (`settings/dev.py`, `local_settings.py`).
    ///
    /// ## Severity
    /// `app.run(debug=True)` inside `if __name__ == "__main__":` only runs when the file is started
    /// directly (the development server), so it is reported with Low severity; the same call at
    /// module level, and Django `DEBUG = True` in shared settings, are High.
    ///
    /// ## Not flagged
    /// Values from the environment or configuration (`debug=settings.DEBUG`,
    /// `DEBUG = env.bool("DEBUG")`), assignments inside an `if` on an environment switch,
    /// development/test settings modules (`dev.py`, `local.py`, `test_settings.py`), and test code.
    ///
    /// ## References
    /// - CWE-489: Active Debug Code; CWE-215: Insertion of Sensitive Information Into Debugging Code
    /// - Django deployment checklist; Flask "Debug Mode" documentation
    pub DEBUG_MODE_ENABLED {
        id: "debug-mode-enabled",
        title: "Debug mode enabled",
        severity: High,
        confidence: High,
        cwe: [489, 215],
        checklist: 9,
        languages: [Python],
        fix: None,
    }
}

/// The nodes [`check_py`] is called on.
pub(crate) const PY_ON: crate::lang::On = crate::lang::On::Kinds(&["call", "assignment"]);

pub(crate) fn check_py(cx: &mut PyCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test {
        return;
    }
    let src = cx.src;
    match node.k() {
        "call" => {
            let Some(name) = py::callee_name(src, node) else {
                return;
            };
            let resolved = cx.resolved_callee(node).unwrap_or_default();
            let web = cx.imports_module("flask")
                || cx.imports_module("fastapi")
                || cx.imports_module("starlette")
                || cx.imports_module("quart")
                || cx.imports_module("sanic");
            let (kw, msg, help) = match name {
                "run" if web => (
                    "debug",
                    "the app runs with the debugger enabled",
                    "read the flag from the environment: app.run(debug=os.environ.get(\"FLASK_DEBUG\") == \"1\"), and serve production with gunicorn",
                ),
                "FastAPI" | "Starlette" | "Quart" | "Sanic"
                    if resolved.starts_with("fastapi")
                        || resolved.starts_with("starlette")
                        || resolved.starts_with("quart")
                        || resolved.starts_with("sanic") =>
                {
                    (
                        "debug",
                        "the app is created in debug mode (tracebacks are sent to clients)",
                        "drop debug=True or read it from the environment with a default of False",
                    )
                }
                "update" if web && py::dotted(src, node.field("function").unwrap_or(node)).is_some_and(|d| d.ends_with("config.update")) => (
                    "DEBUG",
                    "debug mode is enabled in the app configuration",
                    "set DEBUG from the environment with a default of False",
                ),
                _ => return,
            };
            let Some(v) = py::keyword_arg(src, node, kw) else {
                return;
            };
            if !py::is_true(src, v) || common::py_env_guarded(src, node) {
                return;
            }
            let main = common::py_in_main_guard(src, node);
            let f = cx.report(&DEBUG_MODE_ENABLED, v.byte_range(), msg);
            f.help(help);
            if main && name == "run" {
                f.severity(Severity::Low);
            }
        }
        "assignment" => {
            let (Some(l), Some(r)) = (node.field("left"), node.field("right")) else {
                return;
            };
            if !py::is_true(src, r) {
                return;
            }
            let lt = py::node_text(src, l);
            let flask_attr = (lt.ends_with(".debug")
                || lt.ends_with(".config[\"DEBUG\"]")
                || lt.ends_with(".config['DEBUG']"))
                && (cx.imports_module("flask") || cx.imports_module("quart"));
            if flask_attr {
                if common::py_env_guarded(src, node) {
                    return;
                }
                let main = common::py_in_main_guard(src, node);
                let f = cx.report(
                    &DEBUG_MODE_ENABLED,
                    node.byte_range(),
                    "debug mode is enabled on the app",
                );
                f.help("set debug from the environment (FLASK_DEBUG) with a default of off");
                if main {
                    f.severity(Severity::Low);
                }
                return;
            }
            if lt != "DEBUG" || !common::py_module_level(node) {
                return;
            }
            let path = cx.file.path;
            if common::is_dev_settings(path) || common::py_env_guarded(src, node) {
                return;
            }
            let Some(root) = root_of(node) else { return };
            if !common::is_django_settings(src, root, path) {
                return;
            }
            // A later module-level `DEBUG = <env>` overrides it; `if` blocks are guards already.
            cx.report(
                &DEBUG_MODE_ENABLED,
                node.byte_range(),
                "Django runs with DEBUG = True",
            )
            .help("read it from the environment: DEBUG = os.environ.get(\"DJANGO_DEBUG\") == \"1\" (default off), or keep DEBUG = True in a dev-only settings module");
        }
        _ => {}
    }
}

fn root_of(n: Node<'_>) -> Option<Node<'_>> {
    let mut cur = n;
    while let Some(p) = cur.up() {
        cur = p;
    }
    (cur.k() == "module").then_some(cur)
}
