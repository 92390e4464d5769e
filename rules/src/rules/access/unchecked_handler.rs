use super::model::{self, GuardKind, Level, Options, Route};
use crate::engine::FileCx;
use crate::meta::{Confidence, Severity};

crate::declare_rule! {
    /// ## What it does
    /// Flags HTTP route handlers with no authentication or authorization guard at any level
    /// that applies to them: the handler (decorator, route middleware, dependency, extractor or
    /// request guard, a session check in its body), its router/blueprint/controller/scope, or
    /// the app. Covers Flask (`@login_required`, `@jwt_required()`, `before_request`), FastAPI
    /// (`Depends`/`Security` on the endpoint, the decorator, the `APIRouter` or the app),
    /// Express/Koa routers (route middleware, `use()` before the route, `app.use('/x', auth,
    /// router)`), Fastify (`preHandler`/`onRequest`), NestJS (`@UseGuards`), Next.js route
    /// handlers (session checks), axum (`.layer`/`.route_layer`, auth extractors), actix-web
    /// (`.wrap`, extractors) and rocket (request guards).
    ///
    /// It speaks only when it can see how routes are protected: either other routes in the
    /// same file (or, across files, other routers/controllers/views of the same app) carry an
    /// auth guard, so auth is applied piecemeal and this one was missed, or the whole chain is
    /// visible and the route writes data (low confidence). Routes behind middleware of unknown
    /// purpose, or public by nature (health checks, login, signup, password reset, static
    /// files, webhooks, docs, `/`) are not flagged.
    ///
    /// When protection may come from another file, the route is judged by the project pass
    /// (a scan of paths on disk), never by one file alone (the editor): Express/Koa routers
    /// exported by one module and mounted by another (`app.use('/api', requireAuth, router)`,
    /// `app.use(auth)` before the mount, nested routers; imports resolved by relative path and
    /// through the `paths`/`baseUrl` aliases of the nearest `tsconfig.json`/`jsconfig.json`,
    /// whose `extends` is not followed),
    /// route modules exporting a function that adds routes to the app it is given
    /// (`require('./routes')(app)`: what the app registered before the call applies), Fastify
    /// plugins (`app.register(require('./routes/users'), { prefix: '/users' })`, with the
    /// parent's `onRequest`/`preHandler` hooks wherever they are added),
    /// NestJS global guards (`{ provide: APP_GUARD, useClass: .. }`, `app.useGlobalGuards`),
    /// Next.js `middleware.ts` next to `app/`/`pages/` (does it check the session, does its
    /// `config.matcher` cover the path; matchers too complex to evaluate are assumed to), Django
    /// settings (`DEFAULT_PERMISSION_CLASSES` for DRF views, `LoginRequiredMiddleware`) and
    /// `login_required(view)` in urls.py, FastAPI `include_router(router, dependencies=[..])`,
    /// Flask blueprints registered by another module (`app.register_blueprint(bp,
    /// url_prefix=..)`, `before_request` hooks on the app or the blueprint where it is defined
    /// or registered, `@bp.before_app_request`, a blueprint imported into its views module),
    /// axum routers built by a function and mounted by another module (`.nest("/api",
    /// api::routes())`, `.merge(users::router())`, followed through `mod`/`use`/`crate::`/
    /// `super::` paths; an auth `.layer`/`.route_layer` after the mount protects them), actix-web
    /// services registered by a function (`.configure(users::config)`, inside the scope and
    /// `.wrap(..)` middleware of the call).
    /// Messages then give the full path (mount prefix + route path) and point to the mount.
    /// Apps are delimited by the nearest `package.json`, `manage.py`, `pyproject.toml`,
    /// `setup.py`, `setup.cfg`, `requirements.txt` or `Cargo.toml` (monorepos).
    ///
    /// ## Why is this bad?
    /// A handler without a guard serves anyone on the network: a forgotten `@login_required`
    /// or a route registered before `app.use(auth)` lets anonymous callers read or change
    /// other users' data (OWASP A01:2021 Broken Access Control, CWE-306/CWE-862).
    ///
    /// ## Example
    /// ```python
    /// @app.route("/posts/<int:id>/delete", methods=["POST"])
    /// def delete_post(id):
    ///     db.session.delete(Post.query.get_or_404(id))
    /// ```
    /// ```ts
    /// router.post("/orders", createOrder);      // siblings use requireAuth
    /// app.post("/api/items", addItem);          // registered before app.use(auth)
    /// app.use(auth);
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// @app.route("/posts/<int:id>/delete", methods=["POST"])
    /// @login_required
    /// def delete_post(id): ...
    /// ```
    /// ```ts
    /// router.post("/orders", requireAuth, createOrder);
    /// ```
    ///
    /// ## How to fix
    /// Attach the project's guard to the route, or better to the whole router/app so new routes
    /// are protected by default: Flask `before_request` on the blueprint, FastAPI
    /// `APIRouter(dependencies=[Depends(get_current_user)])`, Express `router.use(requireAuth)`
    /// before the routes, NestJS a global `APP_GUARD` with a `@Public()` opt-out, axum
    /// `.route_layer(from_fn(require_auth))`, actix-web `.wrap(HttpAuthentication::bearer(..))`.
    /// Custom guard names are configured with `[rules.unchecked-handler] guards = [...]`;
    /// intentionally public paths with `public_routes = ["/status", "/public/*"]`.
    ///
    /// ## Not flagged
    /// Routes behind a guard at any level, explicitly public routes (`AllowAny`, `@Public()`,
    /// `@login_not_required`, and every unguarded NestJS route in a file using a `@Public()`-style
    /// opt-out, which implies a global guard), public-by-nature paths, read-only routes that do
    /// not look like user data, routers whose mounting is in another file when nothing in this
    /// file shows the auth convention, routes carrying a decorator, middleware, dependency or
    /// extractor of unknown purpose (it may be the guard: name it in `guards` to have it
    /// recognized), routes on custom router classes or factories, controller-class methods,
    /// and test code. Only authentication guards on other routes show the convention: a role
    /// guard alone is often layered on authentication applied elsewhere. Routers whose mount is
    /// not found (mounted by a loop or a loader) are judged as their own file shows them. A
    /// NestJS app with a `@Public()`-style opt-out, `consumer.apply(..)` or `app.use(..)`
    /// middleware of unknown purpose is assumed to be protected globally. Django views are
    /// judged from the file alone (low confidence) when no settings module is in the scan; a
    /// Django view whose every return hands its request to a guarded view of the same module
    /// (`return create_item(request)`) is guarded by it, and a function another view calls with
    /// its request is that view's helper, not a view.
    ///
    /// ## References
    /// - CWE-306: Missing Authentication for Critical Function
    /// - CWE-862: Missing Authorization
    /// - OWASP A01:2021 Broken Access Control
    pub UNCHECKED_HANDLER {
        id: "unchecked-handler",
        title: "Route handler with no authentication or authorization guard",
        severity: High,
        confidence: Medium,
        cwe: [306, 862, 285],
        checklist: 14,
        languages: [Rust, JavaScript, TypeScript, Python],
        fix: None,
    }
}

/// Which guard kinds a framework offers (for the message).
fn looked_for(framework: &str) -> &'static str {
    match framework {
        "flask" => "route decorators such as @login_required/@jwt_required(), before_request hooks, session checks in the handler",
        "fastapi" => "Depends()/Security() on the endpoint, its decorator, the APIRouter, include_router(dependencies=...) or the app",
        "django" => "@login_required/@permission_required, LoginRequiredMixin, DRF permission_classes, DEFAULT_PERMISSION_CLASSES, LoginRequiredMiddleware, login_required() in urls.py",
        "express" => "route middleware, router.use()/app.use() before the route or the mount, auth middleware in the mount call, req.user/session checks in the handler",
        "fastify" => "preHandler/onRequest hooks on the route or instance, request.user checks in the handler",
        "nestjs" => "@UseGuards on the method or controller, a global APP_GUARD or useGlobalGuards()",
        "nextjs" => "session checks (getServerSession, auth(), getSession) in the handler, an auth middleware.ts whose matcher covers the path",
        "axum" => "auth extractors, .layer()/.route_layer() auth middleware",
        "actix-web" => "auth extractors, .wrap() auth middleware, guards",
        "rocket" => "request guards in the handler arguments",
        _ => "guards, middleware and extractors",
    }
}

fn help(framework: &str) -> &'static str {
    match framework {
        "flask" => "add @login_required (below @app.route) or protect the blueprint with a before_request hook that checks the user",
        "fastapi" => "add a dependency such as current_user: User = Depends(get_current_user), or APIRouter(dependencies=[Depends(get_current_user)])",
        "django" => "decorate the view with @login_required/@permission_required, or set permission_classes = [IsAuthenticated]",
        "express" => "add the auth middleware to the route (router.post(path, requireAuth, handler)) or call router.use(requireAuth) before the routes",
        "fastify" => "add preHandler: [fastify.authenticate] to the route options, or an onRequest hook on the instance",
        "nestjs" => "add @UseGuards(AuthGuard) to the method or controller, or register a global APP_GUARD",
        "nextjs" => "check the session at the top of the handler (const session = await auth(); if (!session) return 401) or cover the path in middleware.ts",
        "axum" => "add an auth extractor to the handler or .route_layer(middleware::from_fn(require_auth)) to the router",
        "actix-web" => "add an auth extractor to the handler or .wrap(HttpAuthentication::bearer(validator)) to the scope",
        "rocket" => "add a request guard argument (user: AuthenticatedUser) to the handler",
        _ => "add the project's authentication guard to the route or its router",
    }
}

/// Decides and reports over every route of a file.
pub(crate) fn report(file: &mut FileCx<'_>, routes: &[Route], opts: &Options) {
    if file.is_test || routes.is_empty() {
        return;
    }
    // Auth applied route by route is visible in this file (or router-wide on the same router).
    // Only authentication guards show the convention: a role guard on some routes
    // (`requireRole('admin')`, NestJS `RolesGuard`) is often added on top of authentication
    // applied elsewhere (a mount, a global guard), which this file cannot see.
    let per_route = routes.iter().any(|r| {
        r.guards.iter().any(|g| {
            g.kind == GuardKind::Authn
                && (g.level == Level::Route || (g.level == Level::Body && r.framework == "nextjs"))
        })
    });
    for r in routes {
        if r.silent {
            continue;
        }
        let convention = per_route
            || r.app_convention
            || routes
                .iter()
                .any(|o| o.scope == r.scope && o.guards.iter().any(|g| g.level == Level::Router));
        if let Some((name, at)) = &r.misordered_guard {
            if !r.guarded() && !r.explicit_public {
                let rel = file.related(
                    at.clone(),
                    "this decorator wraps the function after the route was registered",
                );
                file.report(
                    &UNCHECKED_HANDLER,
                    r.at.clone(),
                    format!(
                        "{} is registered before `@{name}` is applied, so the guard never runs",
                        r.describe()
                    ),
                )
                .help("put the route decorator first (outermost) and the guard decorator below it")
                .with_related(rel);
                continue;
            }
        }
        if r.guarded()
            || r.explicit_public
            || r.opaque
            || model::public_by_nature(r, &opts.public_routes)
        {
            continue;
        }
        let mutating = r.mutating();
        let (severity, confidence) = if convention {
            if mutating {
                // Django's settings (DEFAULT_PERMISSION_CLASSES, LoginRequiredMiddleware) can
                // protect every view from another file.
                let c = if r.framework == "django" && r.reached.is_none() {
                    Confidence::Low
                } else {
                    Confidence::Medium
                };
                (Severity::High, c)
            } else if !r.methods.is_empty() && model::sensitive(r) {
                (Severity::Medium, Confidence::Low)
            } else {
                continue;
            }
        } else if r.visible_chain
            && r.body_seen
            && (r.writes_input() || r.methods.iter().any(|m| m == "DELETE"))
        {
            // Nothing in the app checks callers: only handlers seen writing data.
            (Severity::Medium, Confidence::Low)
        } else {
            continue;
        };
        let why = match &r.reached {
            Some(reached) => reached.why.as_str(),
            None if convention => "other routes in this file are guarded",
            None => "nothing in this app checks the caller",
        };
        let f = file
            .report(
                &UNCHECKED_HANDLER,
                r.at.clone(),
                format!(
                    "{} has no authentication or authorization guard ({why}); looked for {}",
                    r.describe(),
                    looked_for(r.framework)
                ),
            )
            .severity(severity)
            .confidence(confidence)
            .help(help(r.framework));
        if let Some(rel) = r.reached.as_ref().and_then(|x| x.related.clone()) {
            f.with_related(rel);
        }
    }
}
