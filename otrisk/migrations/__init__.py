"""Alembic migrations of the otrisk database (run by :func:`otrisk.db.upgrade`).

New migration for developers, from the repository root::

    OTRISK_DATABASE_URL=sqlite:////tmp/dev.db alembic upgrade head
    OTRISK_DATABASE_URL=sqlite:////tmp/dev.db alembic revision --autogenerate -m "what changed"

then check the generated file by hand (it must run on SQLite and PostgreSQL).
"""
