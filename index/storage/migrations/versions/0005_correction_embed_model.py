"""Corrections record which embedding model made their claim vectors.

A correction is found by the similarity of its claim's vector to the asked claim's, which means
something only when one model made both. Vectors of another size were already skipped, but a model
switched for one of the same size (possible whenever the corpus was empty at the switch, since
nothing then asks for `reindex --reembed`) would have compared vectors from two spaces. Existing
vectors were made by the model the index records (`reindex --reembed` redoes corrections with the
passages), so they take its name.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("corrections", sa.Column("embed_model", sa.Text, nullable=True))
    op.execute(
        "UPDATE corrections SET embed_model = (SELECT value FROM index_meta WHERE key = 'embed_model') "
        "WHERE embedding IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("corrections") as batch:
        batch.drop_column("embed_model")
