"""Migration 0012 keeps the reports already stored: each gets the readers its old route
meant and a chronology built from what was kept (recorded, who was told, read, the
thread and outcomes, in order); and downgrading gives the old shape back. On SQLite
and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from storage.db import alembic_config, sync_url
from tests.support import databases

T0 = dt.datetime(2026, 3, 3, 9, 0)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def old_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at revision 0011 (before 0012) with two reports stored the old way."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
    else:
        base = databases.postgres_url()
        if base is None:
            pytest.skip(databases.PG_SKIP_REASON)
        url = databases.create_postgres_schema(base, "migration-0012", migrate=False)
    command.upgrade(alembic_config(url), "0011")
    engine = sa.create_engine(sync_url(url))
    with engine.begin() as connection:
        _old_rows(connection)
    engine.dispose()
    yield url
    if request.param == "postgres":
        databases.drop_postgres_schema(databases.postgres_url() or "", url)


def _at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def _old_rows(connection: sa.Connection) -> None:
    run = connection.execute
    run(sa.text("INSERT INTO schools (id, slug, name, timezone) VALUES (1, 's', 'S', "
                "'Europe/London')"))
    for pid, handle, role in ((1, "head", "headteacher"), (2, "dsl", "dsl"),
                              (3, "alice", "staff")):
        run(sa.text("INSERT INTO people (id, school_id, handle, name, role, active) VALUES "
                    "(:id, 1, :h, :h, :r, true)"), {"id": pid, "h": handle, "r": role})
    report = ("INSERT INTO reports (id, school_id, reference, submission_key, kind, category, "
              "handler_role, reporter_id, status, outcome_enc, outcome_by, created_at, read_at, "
              "closed_at) VALUES (:id, 1, :ref, :key, 'incident', :cat, :role, 3, :status, "
              ":outcome, :by, :created, :read, :closed)")
    run(sa.text(report), {"id": 1, "ref": 111111, "key": "k1", "cat": "safeguarding",
                          "role": "dsl", "status": "closed", "outcome": "OUT-2", "by": 2,
                          "created": _at(0), "read": _at(5), "closed": _at(20)})
    run(sa.text(report), {"id": 2, "ref": 222222, "key": "k2", "cat": "other",
                          "role": "headteacher", "status": "open", "outcome": None,
                          "by": None, "created": _at(30), "read": None, "closed": None})
    message = ("INSERT INTO report_messages (report_id, author_id, body_enc, kind, dedupe_key, "
               "created_at) VALUES (1, :author, :body, :kind, :key, :at)")
    for author, body, kind, minutes in ((2, "Q", "message", 6), (3, "A", "message", 7),
                                        (2, "OUT-1", "outcome", 10), (2, "OUT-2", "outcome", 20)):
        run(sa.text(message), {"author": author, "body": body, "kind": kind,
                               "key": f"u{minutes}", "at": _at(minutes)})
    run(sa.text("INSERT INTO outbox (key, school_id, person_id, payload, status, attempts, "
                "available_at, created_at) VALUES ('report:1:notify:2', 1, 2, 'x', 'sent', 1, "
                ":at, :at)"), {"at": _at(1)})


def test_stored_reports_get_their_readers_and_a_chronology(old_database: str) -> None:
    command.upgrade(alembic_config(old_database), "head")
    engine = sa.create_engine(sync_url(old_database))
    with engine.connect() as connection:
        readers = connection.execute(sa.text(
            "SELECT report_id, role FROM report_readers ORDER BY id")).all()
        events = connection.execute(sa.text(
            "SELECT report_id, kind, actor_id, person_id, body_enc FROM report_events "
            "ORDER BY report_id, created_at, id")).all()
        closed_by = connection.execute(sa.text(
            "SELECT id, closed_by, legal_hold FROM reports ORDER BY id")).all()
    engine.dispose()
    assert [tuple(r) for r in readers] == [(1, "dsl"), (1, "deputy_dsl"), (2, "headteacher")]
    assert [tuple(e) for e in events] == [
        (1, "recorded", 3, None, None), (1, "notified", None, 2, None),
        (1, "read", None, None, None), (1, "message", 2, None, "Q"),
        (1, "message", 3, None, "A"), (1, "outcome", 2, None, "OUT-1"),
        (1, "outcome", 2, None, "OUT-2"), (2, "recorded", 3, None, None)]
    assert [tuple(r) for r in closed_by] == [(1, 2, False), (2, None, False)]


def test_downgrading_gives_the_old_shape_back(old_database: str) -> None:
    config = alembic_config(old_database)
    command.upgrade(config, "head")
    command.downgrade(config, "0011")
    engine = sa.create_engine(sync_url(old_database))
    with engine.connect() as connection:
        routes = connection.execute(sa.text(
            "SELECT id, handler_role, outcome_enc, outcome_by FROM reports ORDER BY id")).all()
        thread = connection.execute(sa.text(
            "SELECT body_enc, kind FROM report_messages ORDER BY created_at")).all()
    engine.dispose()
    assert [tuple(r) for r in routes] == [(1, "dsl", "OUT-2", 2), (2, "headteacher", None, None)]
    assert [tuple(m) for m in thread] == [("Q", "message"), ("A", "message"),
                                          ("OUT-1", "outcome"), ("OUT-2", "outcome")]
