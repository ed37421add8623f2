"""Storage: the database (SQLite or PostgreSQL), its schema and migrations, the passage store.

The public door of the subpackage: other parts of claimbot import these names from
`claimbot.index.storage`, not from its modules. Storage imports nothing above it (only
`claimbot.index.config` and `claimbot.index.records`). The backend migration's `migrate` and
`format_report` are exported as `run_migration` and `format_migration_report`: a `migrate` here
would hide the `migrate` module.
"""

from claimbot.index.storage import db
from claimbot.index.storage.blobs import from_blobs, to_blob
from claimbot.index.storage.db import StorageError, alembic_config, make_engine, unwritable_reason, upgrade
from claimbot.index.storage.domains import (
    BLOCKED_PASSAGES_SQL,
    BLOCKED_PASSAGES_SQLITE,
    blocking,
    domain_of,
    normalise_domain,
    reversed_domain,
)
from claimbot.index.storage.factcheck_tables import FactCheckRow
from claimbot.index.storage.feed_tables import FeedItemRow, FeedRow
from claimbot.index.storage.migrate import MigrationError, copied_tables
from claimbot.index.storage.migrate import format_report as format_migration_report
from claimbot.index.storage.migrate import migrate as run_migration
from claimbot.index.storage.pgvectors import PgVectorIndex, column_dim
from claimbot.index.storage.review_tables import (
    AnswerRow,
    AuditRow,
    CorrectionRow,
    FlagReportRow,
    FlagRow,
    GuildSettingsRow,
    RateEventRow,
    WatchNoticeRow,
    WatchRow,
)
from claimbot.index.storage.schema import (
    COLLECTION_NAME,
    DEFAULT_COLLECTION,
    MAX_ROW_ID,
    ArticleRow,
    Base,
    BlockedDomainRow,
    MetaRow,
    PassageRow,
)
from claimbot.index.storage.schema import _utcnow as utcnow
from claimbot.index.storage.store import (
    PASSAGE_ID_MARK,
    ChangeMark,
    Collections,
    FullTextRow,
    PassageChanges,
    Store,
    StoredPassage,
    WrittenArticle,
    query_words,
    scope_list,
)

__all__ = [
    "BLOCKED_PASSAGES_SQL",
    "BLOCKED_PASSAGES_SQLITE",
    "COLLECTION_NAME",
    "DEFAULT_COLLECTION",
    "MAX_ROW_ID",
    "PASSAGE_ID_MARK",
    "AnswerRow",
    "ArticleRow",
    "AuditRow",
    "Base",
    "BlockedDomainRow",
    "ChangeMark",
    "Collections",
    "CorrectionRow",
    "FeedItemRow",
    "FeedRow",
    "FactCheckRow",
    "FlagReportRow",
    "FlagRow",
    "FullTextRow",
    "GuildSettingsRow",
    "MetaRow",
    "MigrationError",
    "PassageChanges",
    "PassageRow",
    "PgVectorIndex",
    "RateEventRow",
    "StorageError",
    "Store",
    "StoredPassage",
    "WrittenArticle",
    "alembic_config",
    "blocking",
    "column_dim",
    "copied_tables",
    "db",
    "domain_of",
    "format_migration_report",
    "from_blobs",
    "make_engine",
    "normalise_domain",
    "query_words",
    "reversed_domain",
    "run_migration",
    "scope_list",
    "to_blob",
    "unwritable_reason",
    "upgrade",
    "utcnow",
    "WatchNoticeRow",
    "WatchRow",
]
