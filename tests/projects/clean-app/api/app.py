import sqlite3

from flask import Flask, jsonify, request

app = Flask(__name__)


def db():
    return sqlite3.connect("app.db")


@app.get("/users/search")
def search_users():
    name = request.args.get("name", "")
    cur = db().cursor()
    cur.execute("SELECT id, name FROM users WHERE name = ?", (name,))
    return jsonify(cur.fetchall())
