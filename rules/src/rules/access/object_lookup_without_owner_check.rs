use super::model::{self, GuardKind, Level, Route};
use crate::engine::FileCx;
use crate::lang::js::{self, JsCx};
use crate::lang::python::{self as py, PyCx};
use crate::lang::NodeExt;
use std::ops::Range;
use tree_sitter::Node;

crate::declare_rule! {
    /// ## What it does
    /// Flags, inside an authenticated route handler that writes data, an object loaded by an
    /// id taken from the request (a path parameter, query string or body) when the handler
    /// never uses the current user: not in the query (`owner_id=current_user.id`,
    /// `where: { id, userId: req.user.id }`) and not in a check afterwards. Python (Flask,
    /// FastAPI, Django function views) and JS/TS (Express, Fastify, NestJS, Next.js) handlers
    /// whose body is in the same file.
    ///
    /// ## Why is this bad?
    /// Authentication says who the caller is, not which rows they own. Changing the id in
    /// `DELETE /notes/42` to `43` deletes someone else's note (insecure direct object reference,
    /// OWASP A01:2021, CWE-639).
    ///
    /// ## Example
    /// ```python
    /// @bp.route("/notes/<int:id>/delete", methods=["POST"])
    /// @login_required
    /// def delete_note(id):
    ///     db.session.delete(Note.query.get_or_404(id))
    ///     db.session.commit()
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// @bp.route("/notes/<int:id>/delete", methods=["POST"])
    /// @login_required
    /// def delete_note(id):
    ///     note = Note.query.filter_by(id=id, owner_id=current_user.id).first_or_404()
    ///     db.session.delete(note)
    ///     db.session.commit()
    /// ```
    ///
    /// ## How to fix
    /// Scope the lookup to the caller (`filter_by(id=id, owner=current_user)`,
    /// `findOne({ _id: id, owner: req.user.id })`), or compare the loaded object's owner with
    /// the current user and answer 403/404 before changing it; or use a policy check.
    ///
    /// ## Not flagged
    /// Files that never scope anything to an owner (single-operator apps such as a blog's admin
    /// area), handlers that mention the current user, the owner or a tenant anywhere, handlers with a
    /// role/permission guard or check, read-only routes (public content is often readable by
    /// id), handlers defined in another file, unauthenticated routes (`unchecked-handler`
    /// covers them), and test code. This is a heuristic: confidence is low.
    ///
    /// ## References
    /// - CWE-639: Authorization Bypass Through User-Controlled Key
    /// - OWASP A01:2021 Broken Access Control
    pub OBJECT_LOOKUP_WITHOUT_OWNER_CHECK {
        id: "object-lookup-without-owner-check",
        title: "Object loaded by a request id with no ownership check",
        severity: Medium,
        confidence: Low,
        cwe: [639, 862],
        checklist: 14,
        languages: [JavaScript, TypeScript, Python],
        fix: None,
    }
}

/// Routes worth looking into: authenticated by a real guard, no authorization anywhere,
/// writing, body seen.
fn candidate(r: &Route) -> Option<Range<usize>> {
    let authn = r
        .guards
        .iter()
        .any(|g| g.kind == GuardKind::Authn && g.level != Level::Body);
    if !authn || r.has_authz() || !r.mutating() {
        return None;
    }
    if r.framework == "django" && r.handler.chars().next().is_some_and(char::is_uppercase) {
        return None; // class-based views: one body per method, not judged here
    }
    r.body.clone()
}

/// Words that show the handler cares who the caller is or who owns the object.
fn scoping_word(t: &str) -> bool {
    model::words(t).iter().any(|w| {
        matches!(
            w.as_str(),
            "user"
                | "owner"
                | "author"
                | "tenant"
                | "identity"
                | "account"
                | "org"
                | "organization"
                | "me"
                | "creator"
                | "member"
                | "team"
                | "workspace"
                | "principal"
                | "claims"
                | "jwt"
                | "auth"
                | "permission"
                | "can"
                | "policy"
                | "authorize"
                | "forbidden"
                | "uid"
                | "sub"
                | "owned"
                | "mine"
                | "belongs"
        )
    })
}

/// Whether the file scopes objects to their owner somewhere (`owner_id=current_user.id`,
/// `note.author != current_user`, `{ owner: req.user.id }`): the data model has owners, so a
/// handler that skips the check stands out. Single-operator apps (a blog's admin area) have no
/// owners and are not judged.
fn ownership_in_file(src: &str, root: Node<'_>, kinds: &[&str]) -> bool {
    const MARKERS: &[&str] = &[
        "current_user",
        "request.user",
        "g.user",
        "req.user",
        "session.user",
        "get_jwt_identity",
        "currentUser",
        "ctx.state.user",
        "request.auth",
        "user.id",
        "user_id",
        "userId",
    ];
    let mut stack = vec![root];
    let mut budget = 300_000usize;
    while let Some(x) = stack.pop() {
        budget = budget.saturating_sub(1);
        if budget == 0 {
            return false;
        }
        if kinds.contains(&x.k()) && x.end_byte() - x.start_byte() < 400 {
            let t = src.get(x.byte_range()).unwrap_or("");
            let owner_side = model::words(t).iter().any(|w| {
                matches!(
                    w.as_str(),
                    "owner" | "author" | "user" | "creator" | "created" | "uid"
                )
            });
            if owner_side && MARKERS.iter().any(|m| t.contains(m)) {
                return true;
            }
        }
        let mut c = x.walk();
        stack.extend(x.named_children(&mut c));
    }
    false
}

fn report(file: &mut FileCx<'_>, at: Range<usize>, call: &str, r: &Route) {
    file.report(
        &OBJECT_LOOKUP_WITHOUT_OWNER_CHECK,
        at,
        format!(
            "`{call}` in {} loads an object by an id from the request and never checks that it belongs to the caller",
            r.describe()
        ),
    )
    .help("scope the lookup to the current user (e.g. filter_by(id=id, owner_id=current_user.id) / findOne({ _id: id, owner: req.user.id })) or compare the owner with the current user and return 403/404");
}

// ------------------------------------------------------------------ Python

fn py_request_derived(src: &str, n: Node<'_>, params: &[String]) -> bool {
    let mut hit = false;
    let mut stack = vec![n];
    let mut budget = 2_000usize;
    while let Some(x) = stack.pop() {
        budget = budget.saturating_sub(1);
        if budget == 0 || hit {
            break;
        }
        match x.k() {
            "identifier" if params.iter().any(|p| p == py::node_text(src, x)) => hit = true,
            "attribute" => {
                let t = py::node_text(src, x);
                if [
                    "request.args",
                    "request.form",
                    "request.json",
                    "request.values",
                    "request.POST",
                    "request.GET",
                    "request.data",
                    "request.query_params",
                ]
                .iter()
                .any(|p| t.starts_with(p))
                {
                    hit = true;
                }
            }
            _ => {}
        }
        let mut c = x.walk();
        stack.extend(x.named_children(&mut c));
    }
    hit
}

/// Parameter names of the route path: `<int:id>` -> `id`, `{item_id}` -> `item_id`.
fn path_params(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (open, close) in [('<', '>'), ('{', '}')] {
        for part in path.split(open).skip(1) {
            if let Some(p) = part.split(close).next() {
                let name = p.rsplit(':').next().unwrap_or(p).trim_end_matches("..");
                if !name.is_empty() {
                    out.push(name.to_owned());
                }
            }
        }
    }
    for seg in path.split('/') {
        if let Some(p) = seg.strip_prefix(':') {
            out.push(p.trim_end_matches('?').to_owned());
        }
    }
    out
}

pub(crate) fn check_py(cx: &mut PyCx<'_, '_>, root: Node<'_>, routes: &[Route]) {
    if cx.file.is_test {
        return;
    }
    let src = cx.src;
    if !routes.iter().any(|r| candidate(r).is_some())
        || !ownership_in_file(
            src,
            root,
            &["comparison_operator", "keyword_argument", "pair"],
        )
    {
        return;
    }
    for r in routes {
        let Some(body) = candidate(r) else { continue };
        let Some(body) = root.descendant_for_byte_range(body.start, body.end) else {
            continue;
        };
        let mut params = r.path.as_deref().map(path_params).unwrap_or_default();
        if r.framework == "django" {
            // Function views get URL parameters as arguments after `request`.
            if let Some(ps) = body.up().and_then(|f| f.field("parameters")) {
                let mut c = ps.walk();
                for p in ps.named_children(&mut c).skip(1) {
                    let t = py::node_text(src, p);
                    let name = t.split([':', '=']).next().unwrap_or("").trim();
                    if !name.is_empty() && !name.starts_with('*') {
                        params.push(name.to_owned());
                    }
                }
            }
        }
        let mut lookup: Option<(Range<usize>, String)> = None;
        let mut scoped = false;
        let mut stack = vec![body];
        let mut budget = 50_000usize;
        while let Some(x) = stack.pop() {
            budget = budget.saturating_sub(1);
            if budget == 0 {
                break;
            }
            match x.k() {
                "identifier" | "keyword_identifier" if scoping_word(py::node_text(src, x)) => {
                    scoped = true;
                }
                "call" if lookup.is_none() => {
                    let name = py::callee_name(src, x).unwrap_or("");
                    let is_lookup = matches!(
                        name,
                        "get_or_404"
                            | "get"
                            | "first_or_404"
                            | "get_object_or_404"
                            | "filter_by"
                            | "one_or_none"
                            | "find_one"
                    );
                    if is_lookup {
                        let callee = x
                            .field("function")
                            .map(|f| py::node_text(src, f))
                            .unwrap_or("");
                        // `Model.query.get(id)`, `Model.objects.get(pk=id)`, `session.get(Model, id)`,
                        // `get_object_or_404(Model, pk=id)`; not `request.args.get(..)`/`dict.get`.
                        let orm = callee.contains(".query.")
                            || callee.contains(".objects.")
                            || name == "get_object_or_404"
                            || (name == "get"
                                && (callee.ends_with("session.get") || callee.ends_with("db.get")))
                            || name == "find_one";
                        if orm && !callee.starts_with("request.") {
                            if let Some(args) = x.field("arguments") {
                                if py_request_derived(src, args, &params) {
                                    lookup = Some((x.byte_range(), callee.to_owned()));
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
            let mut c = x.walk();
            stack.extend(x.named_children(&mut c));
        }
        if let (Some((at, call)), false) = (lookup, scoped) {
            report(cx.file, at, &call, r);
        }
    }
}

// ------------------------------------------------------------------ JavaScript / TypeScript

const JS_LOOKUPS: &[&str] = &[
    "findById",
    "findByPk",
    "findOne",
    "findUnique",
    "findFirst",
    "findByIdAndUpdate",
    "findByIdAndDelete",
    "findByIdAndRemove",
    "findOneAndUpdate",
    "findOneAndDelete",
    "deleteOne",
    "updateOne",
    "findOneBy",
    "findUniqueOrThrow",
];

fn js_request_derived(src: &str, n: Node<'_>, params: &[String]) -> bool {
    let mut stack = vec![n];
    let mut budget = 2_000usize;
    while let Some(x) = stack.pop() {
        budget = budget.saturating_sub(1);
        if budget == 0 {
            break;
        }
        match x.k() {
            "member_expression" => {
                let t = js::node_text(src, x);
                if [
                    "req.params",
                    "req.query",
                    "req.body",
                    "request.params",
                    "request.query",
                    "request.body",
                    "ctx.params",
                    "params.",
                ]
                .iter()
                .any(|p| t.starts_with(p))
                {
                    return true;
                }
            }
            "identifier" | "shorthand_property_identifier"
                if params.iter().any(|p| p == js::node_text(src, x)) =>
            {
                return true;
            }
            _ => {}
        }
        let mut c = x.walk();
        stack.extend(x.named_children(&mut c));
    }
    false
}

pub(crate) fn check_js(cx: &mut JsCx<'_, '_>, root: Node<'_>, routes: &[Route]) {
    if cx.file.is_test {
        return;
    }
    let src = cx.src;
    if !routes.iter().any(|r| candidate(r).is_some())
        || !ownership_in_file(
            src,
            root,
            &["binary_expression", "pair", "shorthand_property_identifier"],
        )
    {
        return;
    }
    for r in routes {
        let Some(body) = candidate(r) else { continue };
        let Some(body) = root.descendant_for_byte_range(body.start, body.end) else {
            continue;
        };
        let params = r.path.as_deref().map(path_params).unwrap_or_default();
        let mut lookup: Option<(Range<usize>, String)> = None;
        let mut scoped = false;
        let mut stack = vec![body];
        let mut budget = 50_000usize;
        while let Some(x) = stack.pop() {
            budget = budget.saturating_sub(1);
            if budget == 0 {
                break;
            }
            match x.k() {
                "identifier" | "property_identifier" | "shorthand_property_identifier"
                    if scoping_word(js::node_text(src, x)) =>
                {
                    scoped = true;
                }
                "call_expression" if lookup.is_none() => {
                    let name = js::callee_name(src, x).unwrap_or("");
                    let prisma_write = matches!(name, "update" | "delete")
                        && js::call_args(x)
                            .first()
                            .is_some_and(|a| js::object_property(src, *a, "where").is_some());
                    if JS_LOOKUPS.contains(&name) || prisma_write {
                        let args = x.field("arguments");
                        if args.is_some_and(|a| js_request_derived(src, a, &params)) {
                            let callee = x
                                .field("function")
                                .map(|f| js::node_text(src, f))
                                .unwrap_or(name);
                            lookup = Some((x.byte_range(), callee.to_owned()));
                        }
                    }
                }
                _ => {}
            }
            let mut c = x.walk();
            stack.extend(x.named_children(&mut c));
        }
        if let (Some((at, call)), false) = (lookup, scoped) {
            report(cx.file, at, &call, r);
        }
    }
}
