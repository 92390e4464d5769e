//! The route model shared by the access-control rules: each language's extractor (in
//! `routes_js.rs`, `routes_py.rs`, `routes_rs.rs`) turns a file into [`Route`]s with the guards
//! that apply to them; the rules decide from the model. Names are classified by words
//! (`requireAuth` -> `require`, `auth`), never by regexes over source.

use crate::engine::FileCx;
use std::ops::Range;

/// What a guard establishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GuardKind {
    /// Who the caller is (login, token, session).
    Authn,
    /// What the caller may do (role, permission, policy, ownership).
    Authz,
}

/// Where a guard is attached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// On the route itself (decorator, route middleware, extractor, dependency).
    Route,
    /// On the router/blueprint/controller/scope or the app.
    Router,
    /// A check inside the handler body.
    Body,
}

#[derive(Clone, Debug)]
pub struct Guard {
    pub name: String,
    pub kind: GuardKind,
    pub level: Level,
}

/// A route handler reachable over HTTP, as far as one file shows.
#[derive(Clone, Debug)]
pub struct Route {
    pub framework: &'static str,
    /// The app/router/blueprint/controller the route hangs on (for grouping).
    pub scope: String,
    /// Upper-case methods (`GET`, `POST`...); empty when unknown (any method).
    pub methods: Vec<String>,
    pub path: Option<String>,
    /// The path is the full URL path (the app is in this file), not relative to a router
    /// mounted elsewhere (where `/` is the router's root, not the site's).
    pub rooted: bool,
    pub handler: String,
    /// Where to report (the route registration, decorator or attribute).
    pub at: Range<usize>,
    pub guards: Vec<Guard>,
    /// Explicitly public (`AllowAny`, `@Public()`, `permit_all`).
    pub explicit_public: bool,
    /// Something of unknown purpose is attached to the route (a custom decorator, middleware,
    /// dependency or extractor): it may be the guard, so the route is not judged.
    pub opaque: bool,
    /// The app/router is created in this file and every middleware that applies to it is
    /// visible and known not to be an authentication layer of unknown shape.
    pub visible_chain: bool,
    /// The handler's body was seen (inline or defined in this file).
    pub body_seen: bool,
    /// Byte range of the handler's body, when seen.
    pub body: Option<Range<usize>>,
    /// The handler body writes data (save/delete/insert/update calls).
    pub body_mutates: bool,
    /// The handler reads the request's body or form (`request.POST`, `request.json`...): `None`
    /// when not looked at. A route open to every method that writes without reading any input
    /// (a search page counting hits) is not judged a write endpoint on that alone.
    pub reads_input: Option<bool>,
    /// The handler deletes or drops data (a destructive write, whatever it reads).
    pub body_deletes: bool,
    /// A guard decorator that does not apply because of decorator order (Flask), if any.
    pub misordered_guard: Option<(String, Range<usize>)>,
    /// Whether the route is protected may depend on another file (a router mounted elsewhere,
    /// a NestJS global guard, Next.js middleware, Django settings): judged by the project pass
    /// only, never by the file pass alone.
    pub cross_file: bool,
    /// Set by the pass that runs: routes the other pass judges are not reported here.
    pub silent: bool,
    /// For an Express/Koa router not rooted in this file: the variable at the top of its
    /// in-file mount chain (resolved across files by the project pass).
    pub chain_top: Option<String>,
    /// The project pass resolved how the route is reached and saw no guard on the way; the
    /// reason for the message and where it is mounted.
    pub reached: Option<Reached>,
    /// The project pass saw authentication applied elsewhere in the same app (other routers
    /// mounted behind auth, guarded controllers): the same convention as guarded siblings.
    pub app_convention: bool,
    /// A Django REST framework view (its default permission comes from settings).
    pub drf: bool,
    /// axum: not a route but a router mounted from a function call (`.nest("/api",
    /// api::routes())`), carried through the chain like a route so that prefixes and layers
    /// apply to it; the called function's path.
    pub mount_of: Option<Vec<String>>,
    /// A layer of unknown purpose wraps the route (it may check the caller).
    pub layer_unknown: bool,
}

/// How the project pass found a route to be reached (for messages and related locations).
#[derive(Clone, Debug)]
pub struct Reached {
    /// `mounted at `/api` in src/app.js with no auth middleware on its chain`.
    pub why: String,
    pub related: Option<crate::finding::Related>,
}

impl Route {
    pub fn new(framework: &'static str, handler: String, at: Range<usize>) -> Route {
        Route {
            framework,
            scope: String::new(),
            methods: Vec::new(),
            path: None,
            rooted: false,
            handler,
            at,
            guards: Vec::new(),
            explicit_public: false,
            opaque: false,
            visible_chain: false,
            body_seen: false,
            body: None,
            body_mutates: false,
            reads_input: None,
            body_deletes: false,
            misordered_guard: None,
            cross_file: false,
            silent: false,
            chain_top: None,
            reached: None,
            app_convention: false,
            drf: false,
            mount_of: None,
            layer_unknown: false,
        }
    }

    pub fn guarded(&self) -> bool {
        !self.guards.is_empty()
    }

    pub fn has_authz(&self) -> bool {
        self.guards.iter().any(|g| g.kind == GuardKind::Authz)
    }

    /// `POST /users/:id` (methods joined by `|`; `ANY` when unknown).
    pub fn label(&self) -> String {
        let m = if self.methods.is_empty() {
            "ANY".to_owned()
        } else {
            self.methods.join("|")
        };
        match &self.path {
            Some(p) => format!("{m} {p}"),
            None => m,
        }
    }

    /// How messages name the route: ``route `POST /users` (handler `create`)``, or for a view
    /// whose URL is configured elsewhere (Django), ``view `article_delete` (POST)``.
    pub fn describe(&self) -> String {
        match &self.path {
            Some(_) if self.handler == "anonymous" => {
                format!("route `{}` (inline handler)", self.label())
            }
            Some(_) => format!("route `{}` (handler `{}`)", self.label(), self.handler),
            None => format!("view `{}` ({})", self.handler, self.label()),
        }
    }

    /// The body writes, and (for a route open to every method) reads what the caller sends or
    /// deletes something: a page that only counts hits is not a write endpoint.
    pub fn writes_input(&self) -> bool {
        self.body_mutates
            && (!self.methods.is_empty() || self.reads_input != Some(false) || self.body_deletes)
    }

    /// Whether the route writes state: a writing method, a handler named like a write, or a
    /// body seen writing.
    pub fn mutating(&self) -> bool {
        let by_method = self
            .methods
            .iter()
            .any(|m| matches!(m.as_str(), "POST" | "PUT" | "PATCH" | "DELETE"));
        let only_reads = !self.methods.is_empty()
            && self
                .methods
                .iter()
                .all(|m| matches!(m.as_str(), "GET" | "HEAD" | "OPTIONS"));
        // The handler's name counts only when its body is not visible (a controller method
        // elsewhere): a seen body speaks for itself (`delete_profile_success` only renders).
        // A POST whose body is seen must be seen writing: search forms, previews and renders
        // are POSTs that change nothing.
        let strong_method = self
            .methods
            .iter()
            .any(|m| matches!(m.as_str(), "PUT" | "PATCH" | "DELETE"));
        let by_method = strong_method || (by_method && (!self.body_seen || self.body_mutates));
        by_method
            || (!only_reads && self.writes_input())
            || !self.body_seen
                && words(&self.handler).first().is_some_and(|w| {
                    matches!(
                        w.as_str(),
                        "delete"
                            | "remove"
                            | "destroy"
                            | "update"
                            | "edit"
                            | "create"
                            | "change"
                            | "upload"
                            | "save"
                            | "purge"
                            | "reset"
                            | "promote"
                            | "grant"
                            | "revoke"
                            | "ban"
                            | "transfer"
                            | "withdraw"
                    )
                })
    }
}

/// A call that writes data, by the name of the function or method called: `save`, `create`,
/// `insert_one`, `deleteMany`, `findByIdAndUpdate`, `createOrder`, `db.session.add`,
/// `commit`, `upload_file`.
pub fn write_call(name: &str) -> bool {
    let ws = words(name);
    let Some(first) = ws.first() else {
        return false;
    };
    matches!(
        first.as_str(),
        "save"
            | "create"
            | "insert"
            | "update"
            | "delete"
            | "destroy"
            | "remove"
            | "upsert"
            | "write"
            | "upload"
            | "commit"
            | "persist"
            | "store"
            | "publish"
            | "purge"
            | "drop"
            | "archive"
            | "restore"
            | "bulk"
            | "add"
            | "increment"
            | "decrement"
            | "execute"
            | "exec"
            | "truncate"
            | "unlink"
            | "rename"
            | "move"
            | "transfer"
            | "charge"
            | "refund"
            | "approve"
            | "reject"
            | "ban"
            | "grant"
            | "revoke"
            | "assign"
            | "batch"
    ) || (first == "find"
        && ws
            .iter()
            .any(|w| matches!(w.as_str(), "update" | "delete" | "remove")))
}

/// Splits an identifier or dotted name into lower-case words: `requireAuth` -> `require`,
/// `auth`; `login_required` -> `login`, `required`; `passport.authenticate` -> `passport`,
/// `authenticate`; `HTTPBearer` -> `http`, `bearer`.
pub fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let boundary = c.is_ascii_uppercase()
            && !cur.is_empty()
            && (chars[i - 1].is_ascii_lowercase()
                || chars[i - 1].is_ascii_digit()
                || chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase()));
        if boundary {
            out.push(std::mem::take(&mut cur));
        }
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Words of a route path's literal segments; parameters (`<public_id>`, `{user_id}`, `:id`,
/// `[slug]`) name values, not the route's purpose.
pub fn path_words(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|seg| {
            !(seg.starts_with(':')
                || seg.starts_with('<')
                || seg.starts_with('{')
                || seg.starts_with('[')
                || seg.starts_with('*'))
        })
        .flat_map(words)
        .collect()
}

/// Names that look like guards but are not: session stores, auth-library setup.
fn benign(name: &str) -> bool {
    let last = name.rsplit(['.', ':']).next().unwrap_or(name);
    let first = name.split(['.', ':']).next().unwrap_or(name);
    let ws = words(name);
    let header_policy = ws.iter().any(|w| w == "policy")
        && ws.iter().any(|w| {
            matches!(
                w.as_str(),
                "referrer"
                    | "feature"
                    | "permissions"
                    | "security"
                    | "resource"
                    | "opener"
                    | "embedder"
                    | "origin"
                    | "content"
            )
        });
    if header_policy
        || matches!(first, "helmet" | "cors" | "csrf" | "csurf" | "lusca")
        || name.contains("SecurityPolicy")
        || name.contains("securityHeaders")
        || name.contains("SecurityHeaders")
    {
        return true;
    }
    matches!(
        name,
        "passport.initialize" | "passport.session" | "auth.initialize"
    ) || matches!(
        last,
        "session"
            | "cookieSession"
            | "expressSession"
            | "SessionMiddleware"
            | "SessionManagerLayer"
            | "SessionLayer"
            | "CookieSession"
            | "csrf"
            | "csrfProtection"
            | "CSRFProtect"
            | "cors"
            | "helmet"
            | "get_db"
            | "get_session"
            | "getSession"
            | "SessionDep"
            | "DbSession"
            | "Session"
            | "AsyncSession"
            | "authors"
            | "Author"
    )
}

fn authz_word(w: &str) -> bool {
    matches!(
        w,
        "admin"
            | "admins"
            | "administrator"
            | "superuser"
            | "superadmin"
            | "staff"
            | "role"
            | "roles"
            | "permission"
            | "permissions"
            | "perm"
            | "perms"
            | "authorize"
            | "authorized"
            | "authorization"
            | "authorise"
            | "policy"
            | "policies"
            | "acl"
            | "rbac"
            | "abac"
            | "can"
            | "ability"
            | "abilities"
            | "scope"
            | "scopes"
            | "owner"
            | "ownership"
            | "restrict"
            | "privilege"
            | "privileges"
            | "casl"
            | "casbin"
            | "oso"
            | "cerbos"
            | "entitlement"
    )
}

fn authn_word(w: &str) -> bool {
    (w.starts_with("auth") && !w.starts_with("author"))
        || matches!(
            w,
            "authorization"
                | "login"
                | "logged"
                | "loggedin"
                | "signed"
                | "signin"
                | "jwt"
                | "jws"
                | "token"
                | "bearer"
                | "guard"
                | "guarded"
                | "protect"
                | "protected"
                | "authenticated"
                | "authenticate"
                | "unauthenticated"
                | "passport"
                | "oidc"
                | "oauth"
                | "oauth2"
                | "apikey"
                | "credentials"
                | "credential"
                | "identity"
                | "principal"
                | "claims"
                | "clerk"
                | "keycloak"
                | "cognito"
                | "firebase"
                | "supabase"
                | "nextauth"
                | "htpasswd"
                | "security"
                | "deny"
                | "denyall"
                | "httpauth"
                | "basicauth"
        )
}

/// Classifies a guard name (a decorator, middleware, dependency, extractor type or layer).
/// `configured` are the user's extra guard names from `[rules.unchecked-handler] guards`.
pub fn guard_kind(name: &str, configured: &[String]) -> Option<GuardKind> {
    let last = name.rsplit(['.', ':']).next().unwrap_or(name);
    if configured.iter().any(|g| g == name || g == last) {
        return Some(GuardKind::Authn);
    }
    if benign(name) {
        return None;
    }
    let ws = words(name);
    // `MaybeAuthUser`, `auth.optional`: admits anonymous callers, not a guard.
    if ws.iter().any(|w| w == "maybe" || w == "optional") {
        return None;
    }
    if ws.iter().any(|w| authz_word(w)) {
        return Some(GuardKind::Authz);
    }
    let has = |x: &str| ws.iter().any(|w| w == x);
    if ws.iter().any(|w| authn_word(w))
        || (has("current") && has("user"))
        || (has("require") || has("requires") || has("ensure") || has("verify") || has("check"))
            && (has("user") || has("session") || has("key") || has("signature") || has("api"))
        || (has("api") && has("key"))
        || (has("is") && (has("user") || has("member")))
    {
        return Some(GuardKind::Authn);
    }
    // `require_*`/`requireX` decorators and middleware are guards by convention
    // (`require_login`, `requireUser`), except the common non-auth ones.
    if ws
        .first()
        .is_some_and(|w| w == "require" || w == "requires")
        && ws.len() > 1
        && !ws.iter().any(|w| {
            matches!(
                w.as_str(),
                "http" | "methods" | "method" | "get" | "post" | "safe" | "params" | "body"
            )
        })
    {
        return Some(GuardKind::Authn);
    }
    None
}

/// Classifies a word seen in a handler body as evidence of an in-handler check. Generous on
/// purpose: evidence here only silences findings.
pub fn body_word_kind(w: &str) -> Option<GuardKind> {
    if authz_word(w) || matches!(w, "forbidden" | "is_staff" | "403" | "has_perm") {
        return Some(GuardKind::Authz);
    }
    if authn_word(w)
        || matches!(
            w,
            "unauthorized" | "unauthenticated" | "401" | "session" | "current_user" | "currentuser"
        )
    {
        return Some(GuardKind::Authn);
    }
    None
}

/// Public-by-nature route paths and handler names: health checks, login/signup, password reset,
/// static assets, webhooks, docs, the root. Plus the user's `public_routes` (a trailing `*`
/// matches any suffix).
pub fn public_by_nature(route: &Route, public_routes: &[String]) -> bool {
    if let Some(p) = &route.path {
        let p = p.trim();
        for pat in public_routes {
            let pat = pat.trim();
            let hit = match pat.strip_suffix('*') {
                Some(prefix) => p.starts_with(prefix),
                None => p == pat || p.trim_end_matches('/') == pat.trim_end_matches('/'),
            };
            if hit {
                return true;
            }
        }
        if route.rooted && (p.is_empty() || p == "/" || p == "*" || p == "/*") {
            return true;
        }
    }
    let mut ws: Vec<String> = words(&route.handler);
    if let Some(p) = &route.path {
        ws.extend(path_words(p));
    }
    let has = |x: &str| ws.iter().any(|w| w == x);
    ws.iter().any(|w| {
        matches!(
            w.as_str(),
            "health"
                | "healthz"
                | "healthcheck"
                | "readyz"
                | "livez"
                | "ready"
                | "readiness"
                | "liveness"
                | "ping"
                | "login"
                | "logout"
                | "signin"
                | "signup"
                | "signout"
                | "register"
                | "registration"
                | "forgot"
                | "recover"
                | "static"
                | "assets"
                | "public"
                | "favicon"
                | "robots"
                | "sitemap"
                | "docs"
                | "openapi"
                | "swagger"
                | "redoc"
                | "webhook"
                | "webhooks"
                | "callback"
                | "oauth"
                | "oauth2"
                | "sso"
                | "saml"
                | "csrf"
                | "captcha"
                | "unsubscribe"
                | "activate"
                | "auth"
                | "authenticate"
                | "authentication"
                | "token"
                | "tokens"
                | "refresh"
                | "graphql"
                | "contact"
                | "newsletter"
                | "feedback"
                | "subscribe"
        )
    }) || weak_last_segment(route)
        || registration(route)
        || (has("sign") && (has("in") || has("up") || has("out")))
        || (has("log") && (has("in") || has("out")))
        || (has("reset") && (has("password") || has("pw")))
        // `/reset/:token`, `/verify/<token>`: the token in the URL is the credential.
        || ((has("reset") || has("verify") || has("confirm") || has("invite") || has("invitation"))
            && route
                .path
                .as_deref()
                .is_some_and(|p| p.contains(":token") || p.contains("<token>") || p.contains("{token}")
                    || p.contains(":code") || p.contains("<code>") || p.contains("{code}")))
        || (has("verify") && (has("email") || has("account")))
        || (has("confirm") && (has("email") || has("account")))
}

/// `POST /users` / `POST /api/accounts`: creating a user is how one signs up.
fn registration(route: &Route) -> bool {
    let last = route
        .path
        .as_deref()
        .and_then(|p| p.trim_end_matches('/').rsplit('/').next())
        .unwrap_or("");
    route.methods == ["POST"] && matches!(last, "users" | "accounts" | "user" | "account")
}

/// `GET /status`, `GET /api/version`, `GET /metrics`: public only as the last path segment of a
/// read (`PATCH /orders/:id/status` is not public).
fn weak_last_segment(route: &Route) -> bool {
    let reads = route
        .methods
        .iter()
        .all(|m| matches!(m.as_str(), "GET" | "HEAD" | "OPTIONS"));
    let last = route
        .path
        .as_deref()
        .and_then(|p| p.trim_end_matches('/').rsplit('/').next())
        .unwrap_or("");
    reads
        && matches!(
            last,
            "status" | "version" | "metrics" | "info" | "config.json" | "manifest.json"
        )
}

/// Paths and handler names that read or change user or operator data (GET routes are flagged
/// only when they look like this).
pub fn sensitive(route: &Route) -> bool {
    // The handler's own name is too loose (`admin_disabled` renders a notice); a controller's
    // name (`orders.receipt`) says which resource a router-relative path serves.
    let mut ws = match route.handler.rsplit_once('.') {
        Some((controller, _)) => words(controller),
        None => Vec::new(),
    };
    if let Some(p) = &route.path {
        ws.extend(path_words(p));
    }
    // A collection of people (`GET /users`) is sensitive; one public profile by name is not.
    let has_param = route
        .path
        .as_deref()
        .is_some_and(|p| p.contains(':') || p.contains('{') || p.contains('<'));
    ws.iter().any(|w| {
        matches!(
            w.as_str(),
            "admin"
                | "account"
                | "accounts"
                | "settings"
                | "orders"
                | "order"
                | "billing"
                | "payment"
                | "payments"
                | "invoice"
                | "invoices"
                | "dashboard"
                | "private"
                | "export"
                | "secrets"
                | "secret"
                | "keys"
                | "internal"
                | "manage"
                | "management"
                | "wallet"
                | "transactions"
                | "messages"
                | "inbox"
                | "audit"
                | "me"
        ) || (!has_param && matches!(w.as_str(), "users" | "customers" | "members"))
    })
}

/// Admin-looking routes: admin/internal/management areas, role or permission changes, deleting
/// users.
pub fn admin_like(route: &Route) -> bool {
    let pw = route.path.as_deref().map(path_words).unwrap_or_default();
    let hw = words(&route.handler);
    let area = |w: &String| {
        matches!(
            w.as_str(),
            "admin"
                | "admins"
                | "internal"
                | "manage"
                | "management"
                | "backoffice"
                | "superuser"
                | "sudo"
                | "staff"
        )
    };
    let role_change = |ws: &[String]| {
        ws.iter().any(|w| {
            matches!(
                w.as_str(),
                "role"
                    | "roles"
                    | "permission"
                    | "permissions"
                    | "promote"
                    | "demote"
                    | "impersonate"
            )
        })
    };
    let deletes = route.methods.iter().any(|m| m == "DELETE");
    pw.iter().any(area)
        || hw.first().is_some_and(|w| w == "admin")
        || (route.mutating() && (role_change(&pw) || role_change(&hw)))
        || (deletes && pw.iter().any(|w| w == "users" || w == "accounts"))
}

/// A guard called with arguments that name a permission or role (`auth('manageUsers')`,
/// `requireRole('admin')`, `login_required(role="admin")`) authorizes; an authentication strategy
/// argument (`passport.authenticate('jwt')`) does not.
pub fn arg_kind(args: &[String]) -> Option<GuardKind> {
    for a in args {
        let a = a.trim();
        if a.is_empty() {
            continue;
        }
        let strategy = matches!(
            a.to_ascii_lowercase().as_str(),
            "jwt"
                | "bearer"
                | "local"
                | "session"
                | "basic"
                | "google"
                | "github"
                | "oauth"
                | "oauth2"
                | "api-key"
                | "apikey"
                | "headerapikey"
                | "token"
                | "cookie"
                | "saml"
                | "oidc"
                | "anonymous"
                | "digest"
                | "facebook"
                | "twitter"
                | "microsoft"
                | "azure"
                | "auth0"
                | "firebase"
                | "optional"
                | "required"
                | "strict"
        );
        if !strategy {
            return Some(GuardKind::Authz);
        }
    }
    None
}

/// Route-level helpers that are known not to authenticate (validation, uploads, caching, rate
/// limits, serialization, database handles), judged by the words of their name. Anything else
/// attached to a route may be a guard the tool cannot see.
pub fn known_not_guard(name: &str) -> bool {
    if benign(name) {
        return true;
    }
    words(name).iter().any(|w| {
        matches!(
            w.as_str(),
            "validate"
                | "validator"
                | "validation"
                | "validated"
                | "valid"
                | "celebrate"
                | "schema"
                | "upload"
                | "uploads"
                | "multer"
                | "cache"
                | "cached"
                | "caching"
                | "rate"
                | "limit"
                | "limiter"
                | "limits"
                | "throttle"
                | "async"
                | "handler"
                | "catch"
                | "wrap"
                | "wrapper"
                | "parse"
                | "parser"
                | "sanitize"
                | "sanitizer"
                | "body"
                | "param"
                | "params"
                | "query"
                | "log"
                | "logger"
                | "logging"
                | "morgan"
                | "json"
                | "cors"
                | "compress"
                | "compression"
                | "timeout"
                | "paginate"
                | "pagination"
                | "paginated"
                | "file"
                | "files"
                | "image"
                | "resize"
                | "csrf"
                | "multipart"
                | "form"
                | "db"
                | "database"
                | "conn"
                | "connection"
                | "pool"
                | "repo"
                | "repository"
                | "service"
                | "services"
                | "settings"
                | "config"
                | "client"
                | "redis"
                | "storage"
                | "queue"
                | "engine"
                | "uow"
                | "state"
                | "cookie"
                | "cookies"
                | "jar"
                | "ip"
                | "host"
                | "lang"
                | "locale"
                | "flash"
                | "metrics"
                | "notify"
                | "sender"
                | "cors_origin"
                | "origin"
                | "cross"
                | "marshal"
                | "marshal_with"
                | "use_kwargs"
                | "use_args"
                | "serialize"
                | "serializer"
                | "response"
                | "doc"
                | "docs"
                | "swag"
                | "openapi"
                | "api"
                | "trace"
                | "tracing"
                | "span"
                | "transaction"
                | "atomic"
                | "retry"
                | "template"
                | "render"
                | "view"
                | "etag"
                | "gzip"
                | "dto"
                | "pipe"
                | "pipes"
                | "interceptor"
                | "interceptors"
                | "serialize_with"
                | "version"
                | "deprecated"
                | "tags"
                | "summary"
                | "http"
                | "method"
                | "methods"
                | "required"
                | "exempt"
                | "pool_conn"
                | "mongo"
                | "s3"
                | "bus"
                | "producer"
                | "pagination_params"
                | "common"
                | "deps"
                | "get"
        )
    })
}

/// The user's options for the access rules.
pub struct Options {
    pub guards: Vec<String>,
    pub public_routes: Vec<String>,
}

impl Options {
    pub fn read(file: &FileCx<'_>) -> Options {
        let c = file.config;
        Options {
            guards: c.rule_list("unchecked-handler", "guards"),
            public_routes: c.rule_list("unchecked-handler", "public_routes"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_words() {
        assert_eq!(words("requireAuth"), ["require", "auth"]);
        assert_eq!(words("login_required"), ["login", "required"]);
        assert_eq!(words("HTTPBearer"), ["http", "bearer"]);
        assert_eq!(words("passport.authenticate"), ["passport", "authenticate"]);
        assert_eq!(words("/users/:id"), ["users", "id"]);
    }

    #[test]
    fn write_calls() {
        for w in [
            "save",
            "createOrder",
            "insert_one",
            "findByIdAndUpdate",
            "add",
            "commit",
            "deleteMany",
        ] {
            assert!(write_call(w), "{w}");
        }
        for r in [
            "find",
            "findById",
            "get",
            "render_template",
            "validate_on_submit",
            "query",
            "filter_by",
            "setHeader",
            "replace",
            "merge",
        ] {
            assert!(!write_call(r), "{r}");
        }
    }

    #[test]
    fn classifies_guards() {
        let none: Vec<String> = Vec::new();
        for g in [
            "login_required",
            "jwt_required",
            "requireAuth",
            "passport.authenticate",
            "authenticate",
            "isAuthenticated",
            "ensureLoggedIn",
            "verifyToken",
            "get_current_user",
            "HttpAuthentication",
            "AuthGuard",
            "requireUser",
            "checkJwt",
            "auth",
        ] {
            assert_eq!(guard_kind(g, &none), Some(GuardKind::Authn), "{g}");
        }
        for g in [
            "permission_required",
            "requireRole",
            "isAdmin",
            "RolesGuard",
            "admin_required",
            "IsAdminUser",
            "authorize",
        ] {
            assert_eq!(guard_kind(g, &none), Some(GuardKind::Authz), "{g}");
        }
        for g in [
            "MaybeAuthUser",
            "auth.optional",
            "express.json",
            "validate",
            "session",
            "get_db",
            "SessionDep",
            "upload.single",
            "cors",
            "require_POST",
            "require_http_methods",
            "getAuthors",
            "rateLimit",
        ] {
            assert_eq!(guard_kind(g, &none), None, "{g}");
        }
        assert_eq!(
            guard_kind("tenant_gate", &["tenant_gate".to_owned()]),
            Some(GuardKind::Authn)
        );
    }

    #[test]
    fn public_routes() {
        let mut r = Route::new("express", "handler".into(), 0..0);
        // `/` of a router mounted elsewhere is that router's root, not the site's.
        r.path = Some("/".into());
        assert!(!public_by_nature(&r, &[]));
        r.rooted = true;
        for p in [
            "/health",
            "/api/login",
            "/auth/callback",
            "/",
            "/static/app.js",
            "/password/forgot",
        ] {
            r.path = Some(p.into());
            assert!(public_by_nature(&r, &[]), "{p}");
        }
        for p in ["/api/orders", "/users/:id", "/admin/settings"] {
            r.path = Some(p.into());
            assert!(!public_by_nature(&r, &[]), "{p}");
        }
        r.path = Some("/users/<public_id>".into());
        assert!(
            !public_by_nature(&r, &[]),
            "parameter names are not purpose"
        );
        r.path = Some("/internal/ping2".into());
        assert!(public_by_nature(&r, &["/internal/*".into()]));
    }
}
