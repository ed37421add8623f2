"""Alembic environment: runs on the connection that `claimbot.index.storage.db.upgrade` hands over."""

from alembic import context

from claimbot.index.storage.schema import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # `alembic` run by hand: build an engine from the configured URL
    from sqlalchemy import create_engine

    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("alembic.ini names no sqlalchemy.url")
    connection = create_engine(url).connect()

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
