import sqlite3

from flask import Flask, jsonify, request

app = Flask(__name__)
ALLOWED_SORT = {"name": "name", "created": "created_at"}


def db():
    return sqlite3.connect("app.db")


@app.get("/users/search")
def search_users():
    name = request.args.get("name", "")
    cur = db().cursor()
    cur.execute(f"SELECT id, name FROM users WHERE name = '{name}'")
    return jsonify(cur.fetchall())


@app.get("/users/<int:user_id>")
def get_user(user_id):
    cur = db().cursor()
    cur.execute("SELECT id, name FROM users WHERE id = ?", (user_id,))
    return jsonify(cur.fetchone())


@app.get("/users")
def list_users():
    column = ALLOWED_SORT.get(request.args.get("sort", "name"), "name")
    cur = db().cursor()
    # predeploy:allow(sql-string-concat) reason="column comes from the ALLOWED_SORT allowlist"
    cur.execute("SELECT id, name FROM users ORDER BY " + column)
    return jsonify(cur.fetchall())
