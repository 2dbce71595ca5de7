"""The quickstart web app: a page and a JSON API over a Redis visit counter and rows in PostgreSQL.

`flask run --reload` restarts the server when a .py file changes, and templates are read again on every
change, so files that `berth up --watch` syncs into the container show at once. config/app.json is read at
start only: its watch rule restarts the container.
"""

import json
import logging
from contextlib import closing
from pathlib import Path

from flask import Flask, jsonify, render_template

from db import cache, database

CONFIG = json.loads((Path(__file__).parent.parent / "config" / "app.json").read_text())

app = Flask(__name__)
app.config["TEMPLATES_AUTO_RELOAD"] = True


class QuietHealthchecks(logging.Filter):
    """Leaves the healthcheck's requests (every 2 s) out of the request log."""

    def filter(self, record):
        return "/healthz" not in record.getMessage()


logging.getLogger("werkzeug").addFilter(QuietHealthchecks())


def notes():
    with closing(database()) as conn, conn, conn.cursor() as cur:
        cur.execute("SELECT id, body FROM notes ORDER BY id")
        return [{"id": row[0], "body": row[1]} for row in cur.fetchall()]


@app.get("/")
def page():
    visits = cache().incr("visits")
    return render_template("index.html", config=CONFIG, visits=visits, notes=notes())


@app.get("/api/status")
def status():
    visits = int(cache().get("visits") or 0)
    return jsonify(title=CONFIG["title"], visits=visits, notes=notes())


@app.get("/healthz")
def healthz():
    cache().ping()
    with closing(database()) as conn, conn, conn.cursor() as cur:
        cur.execute("SELECT 1")
    return "ok\n"
