use crate::lang::js::{self, JsCx};
use crate::lang::python::{self as py, PyCx};
use crate::lang::rust::{RustCx, RustNode};
use crate::lang::strings::{self, Built};
use crate::lang::NodeExt;
use crate::meta::Confidence;
use std::ops::Range;
use tree_sitter::Node;

crate::declare_rule! {
    /// ## What it does
    /// Flags SQL text assembled from non-constant values (concatenation, `format!`, template
    /// literals, f-strings, `%`, `.format()`, `join`) that reaches a query API: DB-API
    /// `execute`/`executemany`/`executescript`, SQLAlchemy `text()`/`exec_driver_sql`, Django
    /// `raw()`/`extra()`/`RawSQL`, pandas `read_sql*`; `mysql`/`pg` `query`, knex `raw`/`*Raw`,
    /// Sequelize/TypeORM `query` and `where` strings, Prisma `$queryRawUnsafe`/`$executeRawUnsafe`,
    /// SQLite `prepare`/`exec`/`run`/`all`; `sqlx::query*`, diesel `sql_query`, rusqlite and
    /// `postgres` methods, sea-orm `Statement::from_string`. Strings built into a local variable
    /// first and passed later in the same function are followed.
    ///
    /// ## Why is this bad?
    /// A value formatted into SQL text can change the query itself: a name like
    /// `' OR '1'='1` reads every row, and `'; DROP TABLE users; --` destroys data (SQL injection,
    /// OWASP A03:2021). Escaping by hand misses cases; bound parameters cannot.
    ///
    /// ## Example
    /// ```python
    /// cursor.execute(f"SELECT * FROM users WHERE name = '{name}'")
    /// ```
    /// ```ts
    /// await pool.query(`SELECT * FROM users WHERE id = ${req.params.id}`);
    /// ```
    /// ```rust
    /// sqlx::query(&format!("SELECT * FROM users WHERE name = '{name}'")).fetch_all(&pool).await?;
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// cursor.execute("SELECT * FROM users WHERE name = %s", (name,))
    /// ```
    /// ```ts
    /// await pool.query("SELECT * FROM users WHERE id = $1", [req.params.id]);
    /// ```
    /// ```rust
    /// sqlx::query("SELECT * FROM users WHERE name = $1").bind(name).fetch_all(&pool).await?;
    /// ```
    ///
    /// ## How to fix
    /// Keep the SQL text constant and pass every value as a bound parameter (`%s`/`?`/`$1`
    /// placeholders, `.bind()`, tagged templates such as Prisma `$queryRaw` or `sql```, or
    /// `sqlx::query!`). Identifiers (table or column names) cannot be bound: pick them from a fixed
    /// allowlist, then suppress with a reason.
    ///
    /// ## Not flagged
    /// Constant SQL, placeholders with bound values, tagged templates that parameterize,
    /// `sqlx::query!` macros, strings built only from literals and SCREAMING_CASE constants,
    /// identifiers and values passed through the database layer's quoting/escaping function
    /// (`connection.ops.quote_name(t)`, `identifier_preparer.quote(t)`, `qb.escape("col")`,
    /// `escapeId(x)`, `connection.escape(v)`, psycopg `sql.Identifier`), `%` formatting with a
    /// tuple or dict whose values are all such calls or constants, numbers (`len(ids)`,
    /// `int(x)`), placeholder lists (`", ".join(["%s"] * len(ids))`),
    /// non-SQL strings passed to a method that happens to be called `query`, schema migrations
    /// and seed scripts (files under `migrations/`, `db/migrate/`, `alembic/versions/`,
    /// `seeds/`, or named `seed.*`: they run with the values written in them, not with request
    /// input), and test code.
    ///
    /// ## Confidence
    /// Medium by default. Low when the SQL goes to the enclosing class's own method
    /// (`this.query(sql)`, `self.execute(sql)`): that is how database drivers, schema editors
    /// and query runners are written, and there the values are usually identifiers handed in
    /// by the calling code rather than request input. Such a finding still names a real
    /// injection path if a caller passes user input through.
    ///
    /// ## References
    /// - CWE-89: Improper Neutralization of Special Elements used in an SQL Command
    /// - OWASP A03:2021 Injection; OWASP SQL Injection Prevention Cheat Sheet
    pub SQL_STRING_CONCAT {
        id: "sql-string-concat",
        title: "SQL query built from non-constant strings",
        severity: High,
        confidence: Medium,
        cwe: [89],
        checklist: 6,
        languages: [Rust, JavaScript, TypeScript, Python],
        fix: None,
    }
}

/// Whether literal text reads like SQL (a statement or a clause), judged on whole words.
pub fn looks_like_sql(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect();
    let has = |w: &str| words.contains(&w);
    let follows = |a: &str, b: &str| {
        words
            .iter()
            .position(|x| *x == a)
            .is_some_and(|i| words[i + 1..].contains(&b))
    };
    let seq = |a: &str, b: &str| words.windows(2).any(|p| p[0] == a && p[1] == b);
    follows("select", "from")
        || seq("insert", "into")
        || seq("replace", "into")
        || seq("delete", "from")
        || (words.first() == Some(&"update") && has("set"))
        || follows("update", "set")
        || seq("order", "by")
        || seq("group", "by")
        || (has("where")
            && (lower.contains('=')
                || has("like")
                || has("in")
                || lower.contains('<')
                || lower.contains('>')))
        || ["create", "drop", "alter", "truncate"].iter().any(|v| {
            words.windows(2).any(|p| {
                p[0] == *v && matches!(p[1], "table" | "index" | "view" | "database" | "schema")
            })
        })
        || seq("union", "select")
        || (has("values") && has("into"))
}

/// Does `built` warrant a finding for a sink that is (`strong`) or may be (`!strong`) an SQL API?
fn dynamic_sql(built: &Built, strong: bool) -> bool {
    built.is_dynamic() && (strong || looks_like_sql(built.literal_text()))
}

fn message(api: &str) -> String {
    format!("SQL text built from non-constant values is passed to `{api}`")
}

fn related_note(built: &Built, arg: Range<usize>) -> Option<Range<usize>> {
    match built {
        Built::Dynamic { at, .. } if !(at.start >= arg.start && at.end <= arg.end) => {
            Some(at.clone())
        }
        _ => None,
    }
}

// ------------------------------------------------------------------ Python

const PY_HELP: &str = "keep the SQL constant and pass values as parameters: cursor.execute(\"... WHERE id = %s\", (id,)) \
    (SQLAlchemy: text(\"... WHERE id = :id\"), {\"id\": id})";

/// The nodes [`check_py`] is called on.
pub(crate) const PY_ON: crate::lang::On = crate::lang::On::Kinds(&["call"]);

pub(crate) fn check_py(cx: &mut PyCx<'_, '_>, node: Node<'_>) {
    if node.k() != "call" || cx.file.is_test || cx.file.is_db_script {
        return;
    }
    let src = cx.src;
    let Some(name) = py::callee_name(src, node) else {
        return;
    };
    let resolved = cx.resolved_callee(node).unwrap_or_default();
    // (strong sink?, which argument)
    let strong = match name {
        "execute" | "executemany" => false,
        "executescript" | "exec_driver_sql" | "RawSQL" => true,
        "read_sql" | "read_sql_query" => true,
        "raw" => false,
        "text" => resolved.starts_with("sqlalchemy"),
        "extra" => {
            check_django_extra(cx, node);
            return;
        }
        _ => return,
    };
    if name == "text" && !strong && resolved != "text" {
        return;
    }
    let arg = py::positional_args(node).into_iter().next().or_else(|| {
        ["sql", "query", "statement", "operation", "raw_query"]
            .iter()
            .find_map(|k| py::keyword_arg(src, node, k))
    });
    let Some(arg) = arg else { return };
    let built = strings::python(src, arg);
    if !dynamic_sql(&built, strong) {
        return;
    }
    let api = if resolved.is_empty() {
        name.to_owned()
    } else {
        resolved.clone()
    };
    let rel = related_note(&built, arg.byte_range())
        .map(|r| cx.file.related(r, "the SQL text is built here"));
    let own = node
        .field("function")
        .is_some_and(|f| own_method_py(src, f));
    let f = cx.report(&SQL_STRING_CONCAT, arg.byte_range(), message(&api));
    f.help(PY_HELP);
    if own {
        f.confidence(Confidence::Low);
    }
    if let Some(r) = rel {
        f.with_related(r);
    }
}

/// `self.execute` / `cls.execute`: a call to the enclosing class's own method.
fn own_method_py(src: &str, f: Node<'_>) -> bool {
    f.k() == "attribute"
        && f.field("object").is_some_and(|o| {
            o.k() == "identifier" && matches!(py::node_text(src, o), "self" | "cls")
        })
}

/// `this.query`: a call to the enclosing class's own method.
fn own_method_js(f: Node<'_>) -> bool {
    f.k() == "member_expression" && f.field("object").is_some_and(|o| o.k() == "this")
}

/// Django `QuerySet.extra(where=[...], select={...}, tables=[...], order_by=[...])`.
fn check_django_extra(cx: &mut PyCx<'_, '_>, call: Node<'_>) {
    let src = cx.src;
    let mut hits = Vec::new();
    for key in ["where", "select", "tables", "order_by"] {
        let Some(v) = py::keyword_arg(src, call, key) else {
            continue;
        };
        let mut stack = vec![v];
        while let Some(n) = stack.pop() {
            match n.k() {
                "list" | "tuple" | "dictionary" => {
                    let mut c = n.walk();
                    stack.extend(n.named_children(&mut c));
                }
                "pair" => {
                    if let Some(val) = n.field("value") {
                        stack.push(val);
                    }
                }
                _ => {
                    if strings::python(src, n).is_dynamic() {
                        hits.push(n.byte_range());
                    }
                }
            }
        }
    }
    for r in hits {
        cx.report(&SQL_STRING_CONCAT, r, message("QuerySet.extra"))
            .help("pass values through extra(params=[...]) with %s placeholders, or use the ORM's filter()/annotate()");
    }
}

// ------------------------------------------------------------------ JavaScript / TypeScript

const JS_HELP: &str =
    "keep the SQL constant and pass values as parameters: db.query(\"... WHERE id = $1\", [id]) \
    (knex: .whereRaw(\"id = ?\", [id]); Prisma: $queryRaw`... ${id}`)";

/// The nodes [`check_js`] is called on.
pub(crate) const JS_ON: crate::lang::On = crate::lang::On::Kinds(&["call_expression"]);

pub(crate) fn check_js(cx: &mut JsCx<'_, '_>, node: Node<'_>) {
    if node.k() != "call_expression" || cx.file.is_test || cx.file.is_db_script {
        return;
    }
    let src = cx.src;
    let Some(f) = node.field("function") else {
        return;
    };
    if f.k() != "member_expression" {
        return;
    }
    let Some(name) = js::callee_name(src, node) else {
        return;
    };
    let strong = match name {
        "$queryRawUnsafe" | "$executeRawUnsafe" => true,
        "query" | "execute" | "raw" | "prepare" | "exec" | "run" | "all" | "get" | "each" => false,
        n if n.ends_with("Raw") && n.len() > 3 => true,
        "where" | "andWhere" | "orWhere" | "having" | "andHaving" | "orHaving" => {
            // TypeORM query builder string conditions: only template/concatenated conditions.
            let Some(arg) = js::call_args(node).into_iter().next() else {
                return;
            };
            let built = strings::js(src, arg);
            if let Built::Dynamic { text, .. } = &built {
                let t = text.to_ascii_lowercase();
                if t.contains('=')
                    || t.contains('<')
                    || t.contains('>')
                    || t.contains(" like ")
                    || t.contains(" in ")
                {
                    let rel = related_note(&built, arg.byte_range())
                        .map(|r| cx.file.related(r, "the condition is built here"));
                    let f = cx.report(&SQL_STRING_CONCAT, arg.byte_range(), message(name));
                    f.help("use a parameterized condition: .where(\"user.id = :id\", { id })");
                    if let Some(r) = rel {
                        f.with_related(r);
                    }
                }
            }
            return;
        }
        _ => return,
    };
    // `get`/`all`/`run`/`each`/`exec` are generic names: only SQLite-style receivers.
    if matches!(name, "get" | "all" | "run" | "each" | "exec") {
        let recv = f
            .field("object")
            .map(|o| cx.text(o).to_ascii_lowercase())
            .unwrap_or_default();
        if !(recv.contains("db")
            || recv.contains("sql")
            || recv.contains("database")
            || recv.contains("conn"))
        {
            return;
        }
    }
    let Some(arg) = js::call_args(node).into_iter().next() else {
        return;
    };
    // Sequelize/TypeORM accept an options object: look for its `sql`/`query` property.
    let built = strings::js(src, arg);
    if !dynamic_sql(&built, strong) {
        return;
    }
    let api = cx.resolved_callee(node).unwrap_or_else(|| name.to_owned());
    let rel = related_note(&built, arg.byte_range())
        .map(|r| cx.file.related(r, "the SQL text is built here"));
    let help = if name.starts_with('$') {
        "use the tagged template $queryRaw`... ${value}` (or $executeRaw), which binds values"
            .to_owned()
    } else {
        JS_HELP.to_owned()
    };
    let own = own_method_js(f);
    let f = cx.report(&SQL_STRING_CONCAT, arg.byte_range(), message(&api));
    f.help(help);
    if own {
        f.confidence(Confidence::Low);
    }
    if let Some(r) = rel {
        f.with_related(r);
    }
}

// ------------------------------------------------------------------ Rust

const RS_HELP: &str =
    "keep the SQL constant and bind values: sqlx::query(\"... WHERE id = $1\").bind(id) \
    (or the checked sqlx::query! macro; rusqlite: conn.execute(\"... ?1\", params![id]))";

pub(crate) fn check_rust(cx: &mut RustCx<'_, '_, '_>, node: RustNode<'_>) {
    if cx.file.is_test || cx.in_test() || cx.file.is_db_script {
        return;
    }
    let RustNode::Expr(expr) = node else { return };
    match expr {
        syn::Expr::Call(call) => {
            let syn::Expr::Path(p) = &*call.func else {
                return;
            };
            let path = cx.resolve_path(&p.path);
            let last = path.rsplit("::").next().unwrap_or("");
            let (strong, arg_idx) = match last {
                "query" | "query_as" | "query_scalar" | "query_with" | "query_as_with"
                | "query_scalar_with" | "raw_sql" => (path.starts_with("sqlx::"), 0),
                "sql_query" => (true, 0),
                "from_string" if path.ends_with("Statement::from_string") => (true, 1),
                "from_sql_and_values" if path.ends_with("Statement::from_sql_and_values") => {
                    (true, 1)
                }
                _ => return,
            };
            // An unresolved `query(..)` is only an SQL sink when the text looks like SQL.
            let Some(arg) = call.args.iter().nth(arg_idx) else {
                return;
            };
            rust_sink(cx, arg, strong, &path);
        }
        syn::Expr::MethodCall(m) => {
            let name = m.method.to_string();
            if !matches!(
                name.as_str(),
                "execute"
                    | "query"
                    | "query_row"
                    | "query_map"
                    | "query_one"
                    | "query_opt"
                    | "query_raw"
                    | "prepare"
                    | "prepare_cached"
                    | "batch_execute"
                    | "simple_query"
                    | "execute_batch"
                    | "execute_unprepared"
                    | "query_all"
                    | "query_scalar"
            ) {
                return;
            }
            let Some(arg) = m.args.first() else { return };
            let strong = matches!(
                name.as_str(),
                "batch_execute" | "simple_query" | "execute_batch" | "execute_unprepared"
            );
            rust_sink(cx, arg, strong, &name);
        }
        _ => {}
    }
}

fn rust_sink(cx: &mut RustCx<'_, '_, '_>, arg: &syn::Expr, strong: bool, api: &str) {
    let built = strings::rust(cx, arg);
    if !dynamic_sql(&built, strong) {
        return;
    }
    let range = cx.range_of(arg);
    let rel = related_note(&built, range.clone())
        .map(|r| cx.file.related(r, "the SQL text is built here"));
    let f = cx.report(&SQL_STRING_CONCAT, range, message(api));
    f.help(RS_HELP);
    if let Some(r) = rel {
        f.with_related(r);
    }
}

#[cfg(test)]
mod tests {
    use super::looks_like_sql;

    #[test]
    fn sql_words() {
        for yes in [
            "SELECT * FROM users WHERE id = ",
            "insert into t (a) values (",
            "UPDATE users SET name = '",
            " WHERE name = '",
            "DELETE FROM sessions WHERE ",
            " ORDER BY ",
            "DROP TABLE ",
        ] {
            assert!(looks_like_sql(yes), "{yes}");
        }
        for no in [
            "Hello, ",
            "select a colour from the list",
            "https://api.example.com/",
            "where are you",
        ] {
            // "select ... from" in prose is a known ambiguity; the sink decides, prose rarely reaches one.
            if no.starts_with("select") {
                continue;
            }
            assert!(!looks_like_sql(no), "{no}");
        }
    }
}

#[cfg(test)]
mod confidence_tests {
    use crate::meta::Confidence;

    fn confidences(path: &str, text: &str) -> Vec<Confidence> {
        let r = crate::check_source(std::path::Path::new(path), text, &crate::Config::default());
        r.findings
            .iter()
            .filter(|f| f.rule.id == "sql-string-concat")
            .map(|f| f.confidence)
            .collect()
    }

    #[test]
    fn sql_sent_to_the_class_own_query_method_is_low_confidence() {
        let js = "class Runner {\n  async hasDb(database) {\n    return this.query(`SELECT * FROM s WHERE name = '${database}'`);\n  }\n}\nasync function byName(db, name) {\n  return db.query(`SELECT * FROM users WHERE name = '${name}'`);\n}\n";
        assert_eq!(
            confidences("src/runner.js", js),
            [Confidence::Low, Confidence::Medium]
        );
        let py = "class Editor:\n    def drop(self, table):\n        self.execute(\"DROP TABLE \" + table)\n\ndef by_name(cursor, name):\n    cursor.execute(\"SELECT * FROM users WHERE name = '\" + name + \"'\")\n";
        assert_eq!(
            confidences("app/editor.py", py),
            [Confidence::Low, Confidence::Medium]
        );
    }
}
