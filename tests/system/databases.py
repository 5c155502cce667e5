"""Prepared databases for the servers: a template built once, cloned for each server.

SQLite by default (files in a temp dir); PostgreSQL when ``TEST_DATABASE_URL`` names a server
(``.ci/run`` sets it in its PostgreSQL section), one database per clone, dropped at the end.

A template is built the way an operator builds a site, with the documented commands (API.md):
``flask db upgrade``, optionally ``flask qa import-stackexchange`` of a real dump, and
``flask qa create-user ... --print-token`` for the operator's admin. The harness's hundred-odd
users and their tokens are then created in one transaction through the accounts services (one
CLI process per user would cost minutes); they are recorded in ``<template>.population.json``.
"""
from __future__ import annotations

import json
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.system.servers import ROOT, flask_cli

DUMPS = ROOT.parent / "shared" / "data" / "stackexchange"
WRITERS, MODERATORS, EXPERTS = 50, 40, 5


@dataclass(frozen=True)
class Person:
    id: int
    username: str
    token: str

    @classmethod
    def of(cls, row: dict) -> "Person":
        return cls(row["id"], row["username"], row["token"])


@dataclass(frozen=True)
class Population:
    """Who the clients are: each client has its own account and API token."""
    admin: Person
    writers: list[Person]      # the 50-writer mix; the first EXPERTS are experts (routing candidates)
    moderators: list[Person]   # the 40 simultaneous voters
    author: Person             # writes the answer the moderators vote on; earns nothing else
    asker: Person              # asks the question that answer belongs to
    solo: Person               # the single client that asks and answers in a row

    @classmethod
    def load(cls, path: Path) -> "Population":
        data = json.loads(path.read_text())
        return cls(admin=Person.of(data["admin"]), writers=[Person.of(p) for p in data["writers"]],
                   moderators=[Person.of(p) for p in data["moderators"]], author=Person.of(data["author"]),
                   asker=Person.of(data["asker"]), solo=Person.of(data["solo"]))


class Databases:
    """Hands out database URLs of one kind (``sqlite`` or ``postgresql``)."""

    def __init__(self, workdir: Path, postgres_url: str | None = None):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.postgres_url = postgres_url
        self.kind = "postgresql" if postgres_url else "sqlite"
        self._created: list[str] = []

    # --- naming -----------------------------------------------------------------------------
    def _new_url(self, name: str) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{self.workdir / (name + '.db')}"
        dbname = re.sub(r"\W", "_", f"qaforum_sys_{name}")[:50] + "_" + uuid.uuid4().hex[:8]
        self._admin(f'CREATE DATABASE "{dbname}"')
        self._created.append(dbname)
        return make_url(self.postgres_url).set(database=dbname).render_as_string(hide_password=False)

    def _admin(self, sql: str) -> None:
        engine = create_engine(self.postgres_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(sql))
        finally:
            engine.dispose()

    # --- templates and clones -------------------------------------------------------------------
    def template(self, name: str, dump: str | None = None) -> tuple[str, Path]:
        """Build a template database; returns (url, population file)."""
        url = self._new_url(f"tpl_{name}")
        flask_cli(url, "db", "upgrade")
        if dump:
            flask_cli(url, "qa", "import-stackexchange", str(DUMPS / dump))
        admin_out = flask_cli(url, "qa", "create-user", f"sysadmin_{name}", "--role", "admin", "--print-token")
        admin_token = admin_out.stdout.strip().splitlines()[-1]
        population = _create_population(url, admin_token)
        path = self.workdir / f"tpl_{name}.population.json"
        path.write_text(json.dumps(population, indent=1))
        return url, path

    def clone(self, template_url: str, name: str) -> str:
        """A copy of the template (its users, tokens and posts) for one server."""
        if self.kind == "sqlite":
            source, url = Path(make_url(template_url).database), self._new_url(name)
            target = Path(make_url(url).database)
            shutil.copyfile(source, target)
            # Nothing writes the template any more; a WAL left beside it belongs to the copy too.
            if Path(f"{source}-wal").exists():
                shutil.copyfile(f"{source}-wal", f"{target}-wal")
            return url
        dbname = re.sub(r"\W", "_", f"qaforum_sys_{name}")[:50] + "_" + uuid.uuid4().hex[:8]
        self._admin(f'CREATE DATABASE "{dbname}" TEMPLATE "{make_url(template_url).database}"')
        self._created.append(dbname)
        return make_url(self.postgres_url).set(database=dbname).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if self.kind == "postgresql":
            for dbname in reversed(self._created):
                self._admin(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
            self._created.clear()


def _create_population(url: str, admin_token: str) -> dict:
    """The harness's accounts and tokens, in one transaction; the template is closed afterwards."""
    from sqlalchemy import select

    from app import create_app
    from app.accounts import services as accounts
    from app.accounts.models import User
    from app.db import intent
    from app.extensions import db
    from config import TestingConfig

    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    tag = uuid.uuid4().hex[:6]
    out: dict = {}

    def person(name: str, role: str) -> dict:
        user = accounts.create_user(db.session, f"{name}_{tag}", None, role=role)
        return {"user": user, "token": accounts.create_token(db.session, user, "system-tests")[1]}

    with app.app_context(), intent(True):
        made = {
            "writers": [person(f"w{i:02d}", "expert" if i < EXPERTS else "staff") for i in range(WRITERS)],
            "moderators": [person(f"mod{i:02d}", "moderator") for i in range(MODERATORS)],
            "author": person("author", "expert"), "asker": person("asker", "staff"),
            "solo": person("solo", "staff"),
        }
        db.session.commit()
        for key, value in made.items():
            rows = value if isinstance(value, list) else [value]
            people = [{"id": r["user"].id, "username": r["user"].username, "token": r["token"]} for r in rows]
            out[key] = people if isinstance(value, list) else people[0]
        admin = db.session.scalar(select(User).where(User.role == "admin").order_by(User.id.desc()))
        out["admin"] = {"id": admin.id, "username": admin.username, "token": admin_token}
        db.session.remove()
        db.engine.dispose()  # closing the last connection checkpoints SQLite's WAL into the file
    return out
