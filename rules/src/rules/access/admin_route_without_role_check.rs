use super::model::{self, GuardKind, Options, Route};
use crate::engine::FileCx;

crate::declare_rule! {
    /// ## What it does
    /// Flags admin-looking routes (`/admin`, `/internal`, `/manage`, role or permission
    /// changes, deleting users) whose only guards establish *who* the caller is (login, token,
    /// session) and never *what* they may do: no role, permission or policy check on the route,
    /// its router or app, and no role check inside the handler.
    ///
    /// ## Why is this bad?
    /// Any signed-up user passes an authentication-only guard. An admin endpoint behind
    /// `@login_required` alone lets every account promote itself, read every user or delete
    /// them (vertical privilege escalation, OWASP A01:2021, CWE-285).
    ///
    /// ## Example
    /// ```python
    /// @app.route("/admin/users/<int:id>/role", methods=["POST"])
    /// @login_required
    /// def set_role(id): ...
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// @app.route("/admin/users/<int:id>/role", methods=["POST"])
    /// @login_required
    /// @roles_required("admin")
    /// def set_role(id): ...
    /// ```
    ///
    /// ## How to fix
    /// Add a role or permission guard (`@roles_required("admin")`, `requireRole("admin")`,
    /// `@UseGuards(AuthGuard, RolesGuard)` with `@Roles("admin")`, DRF `IsAdminUser`) on the
    /// route or the admin router, or check the caller's role first thing in the handler.
    ///
    /// ## Not flagged
    /// Files where no route checks a role at all (single-admin apps where every account is the
    /// operator), routes with any role/permission/policy guard or an in-handler role check
    /// (`is_admin`, `has_perm`, `403`), routes with no guard at all (that is
    /// `unchecked-handler`), and test code.
    ///
    /// ## References
    /// - CWE-285: Improper Authorization
    /// - CWE-862: Missing Authorization
    /// - OWASP A01:2021 Broken Access Control
    pub ADMIN_ROUTE_WITHOUT_ROLE_CHECK {
        id: "admin-route-without-role-check",
        title: "Admin route guarded by authentication only",
        severity: High,
        confidence: Low,
        cwe: [285, 862],
        checklist: 14,
        languages: [Rust, JavaScript, TypeScript, Python],
        fix: None,
    }
}

pub(crate) fn report(file: &mut FileCx<'_>, routes: &[Route], _opts: &Options) {
    if file.is_test {
        return;
    }
    // Roles exist in this code: some route checks them. Where none does, every signed-in user
    // may be the operator (single-admin apps), and nothing is said.
    if !routes.iter().any(|r| r.has_authz()) {
        return;
    }
    for r in routes {
        if r.silent || !r.guarded() || r.has_authz() || !model::admin_like(r) {
            continue;
        }
        // Every guard is authentication: name them.
        let names: Vec<&str> = r
            .guards
            .iter()
            .filter(|g| g.kind == GuardKind::Authn && g.level != model::Level::Body)
            .map(|g| g.name.as_str())
            .collect();
        if names.is_empty() || !r.body_seen {
            continue;
        }
        file.report(
            &ADMIN_ROUTE_WITHOUT_ROLE_CHECK,
            r.at.clone(),
            format!(
                "admin {} is guarded only by authentication (`{}`) with no role or permission check",
                r.describe(),
                names.join("`, `")
            ),
        )
        .help("add a role/permission guard (e.g. roles_required(\"admin\"), requireRole(\"admin\"), IsAdminUser) or check the caller's role at the top of the handler");
    }
}
