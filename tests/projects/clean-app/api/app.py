import logging
import os
import sqlite3

import sentry_sdk
from flask import Flask, jsonify, request
from flask_login import LoginManager, login_required

logging.basicConfig(level=logging.INFO)
sentry_sdk.init(dsn=os.environ.get("SENTRY_DSN"))

app = Flask(__name__)
login_manager = LoginManager(app)


def db():
    return sqlite3.connect("app.db")


@app.get("/users/search")
@login_required
def search_users():
    name = request.args.get("name", "")
    cur = db().cursor()
    cur.execute("SELECT id, name FROM users WHERE name = ?", (name,))
    return jsonify(cur.fetchall())
