"""The one settings object: read from the environment and `.env` (see `.env.example`)."""

from __future__ import annotations

import math
import os
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PACKAGED_EMBED_MODEL = "packaged:all-MiniLM-L6-v2"
# A PostgreSQL memory size, as maintenance_work_mem takes it.
INDEX_MEMORY_PATTERN = r"^[1-9][0-9]*(MB|GB)$"
DEFAULT_INDEX_MEMORY = "1GB"
# Sentences of several articles embedded together when ingesting files: the embedder sorts a batch
# by length, and a larger one pads less (1,024 embed 1.16x as fast as 256; docs/benchmarks.md).
DEFAULT_INGEST_BATCH = 1_024
# Upper bounds of settings that have no natural one: past them a value is a typo (a thread count
# of 99999999999 made onnxruntime raise, one of 100000 start that many threads; a timedelta of inf or
# 1e23 seconds raises OverflowError where the bot measures a window; Tantivy aborts the process
# when asked for 10^12 hits, and a file read of 10^20 bytes cannot even be asked for).
MAX_THREADS = 256
MAX_CANDIDATES = 1_000
MAX_BYTES = 1_000_000_000  # an article, a feed: read whole into memory
MAX_FETCH_TIMEOUT_S = 600.0
MAX_HOST_DELAY_S = 3_600.0
MAX_BACKOFF_S = 30 * 86_400.0
MAX_RATE_WINDOW_S = 86_400.0
MAX_RETENTION_DAYS = 3_650
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: str | float) -> float:
    """Seconds from "90s", "30m", "2h", "1d" or a bare number of seconds (`feeds add --every`,
    the CLAIMBOT_FEEDS_* durations). ValueError with a message for the user otherwise."""
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        if value.strip().endswith("M"):
            # months to most readers, minutes to a lower-casing parser: neither is guessed
            raise ValueError(f"not a duration: {value!r} (write minutes as 30m, or days as 30d)")
        text = value.strip().lower()
        unit = _DURATION_UNITS.get(text[-1:], None) if text else None
        number = text[:-1] if unit else text
        try:
            seconds = float(number) * (unit or 1)
        except ValueError:
            raise ValueError(f"not a duration: {value!r} (write e.g. 90s, 30m, 2h or 1d)") from None
    if not math.isfinite(seconds):  # "1e400" (past a float: inf), "inf", "nan": not "not positive"
        raise ValueError(f"a duration must be a finite number, got {value!r} (write e.g. 90s, 30m, 2h or 1d)")
    if seconds <= 0:
        raise ValueError(f"a duration must be positive, got {value!r}")
    return seconds


def format_duration(seconds: float) -> str:
    """A duration as `parse_duration` reads it back: "30m", "2h", "400d", "90s" (never "3.456e+07s")."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size:.0f}{unit}"
    return f"{seconds:.3f}".rstrip("0").rstrip(".") + "s"


def _default_home() -> Path:
    return Path.home() / ".local" / "share" / "claimbot"


def _default_data_dir() -> Path:
    # The evaluation and training data sets live beside the repository checkout, never inside it.
    return Path(__file__).resolve().parents[2] / "shared" / "data"


class PgFullText(StrEnum):
    """Where full text is searched on PostgreSQL (docs/deploy.md, "PostgreSQL + pgvector")."""

    TANTIVY = "tantivy"  # a Tantivy index beside each `serve`, following the database's change log
    DATABASE = "database"  # the postings table inside the database (no local index)


class StanceReader(StrEnum):
    """Which stance reader a check uses when CLAIMBOT_STANCE_MODEL names no folder."""

    FAST = "fast"  # the packaged MiniLM (22M parameters): the default on a small CPU
    # all-mpnet-base-v2 with the shipped adapters (110M), built once by `claimbot reader install`:
    # more labels right on news, at about 1.9x the stance time (index/stance/accurate.py)
    ACCURATE = "accurate"


class SettingsFileError(ValueError):
    """The `.env` file is there but cannot be read (permissions, not UTF-8); one line for the user."""


class Settings(BaseSettings):
    # Finite numbers only: "inf" and "nan" parse as floats, and no setting means them.
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", allow_inf_nan=False)

    def __init__(self, **values: Any) -> None:
        # pydantic-settings reads `.env` while it builds the values: its OSError or UnicodeDecodeError
        # would say nothing of which file or setting is meant.
        try:
            super().__init__(**values)
        except UnicodeDecodeError as exc:
            raise SettingsFileError(
                f"{values.get('_env_file', self.model_config.get('env_file'))}: not UTF-8 text "
                f"(invalid byte at position {exc.start})"
            ) from None
        except OSError as exc:
            name = exc.filename or values.get("_env_file", self.model_config.get("env_file"))
            raise SettingsFileError(f"{name}: {exc.strerror or exc}") from None

    home: Path = Field(default_factory=_default_home, validation_alias="CLAIMBOT_HOME")
    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    data_dir: Path = Field(default_factory=_default_data_dir, validation_alias="CLAIMBOT_DATA_DIR")

    embed_model: str = Field(default=PACKAGED_EMBED_MODEL, validation_alias="CLAIMBOT_EMBED_MODEL")
    embed_batch_size: int = Field(default=64, ge=1, validation_alias="CLAIMBOT_EMBED_BATCH_SIZE")
    torch_threads: int = Field(default=0, ge=0, le=MAX_THREADS, validation_alias="CLAIMBOT_TORCH_THREADS")

    hnsw_threshold: int = Field(default=50_000, ge=0, validation_alias="CLAIMBOT_HNSW_THRESHOLD")
    # PostgreSQL's maintenance_work_mem while it builds the HNSW index (`claimbot migrate`,
    # `reindex`): pgvector builds fast only while the whole graph fits in it (docs/deploy.md, "Tuning notes").
    pg_index_memory: str = Field(
        default=DEFAULT_INDEX_MEMORY, pattern=INDEX_MEMORY_PATTERN, validation_alias="CLAIMBOT_PG_INDEX_MEMORY"
    )
    # PostgreSQL's postings table reads every posting of a claim's common words (476 ms p95 at a
    # million passages); a Tantivy index beside the process answers in milliseconds and follows the
    # database's change log (migration 0013). "database" keeps everything in PostgreSQL.
    pg_fulltext: PgFullText = Field(default=PgFullText.TANTIVY, validation_alias="CLAIMBOT_PG_FULLTEXT")
    candidates: int = Field(default=50, ge=1, le=MAX_CANDIDATES, validation_alias="CLAIMBOT_RETRIEVAL_CANDIDATES")
    # Who says each sentence, found at ingest time (index/corpus/attribution/); off = faster ingest,
    # passages stored and embedded without speakers.
    attribution: bool = Field(default=True, validation_alias="CLAIMBOT_ATTRIBUTION")
    # None: the reader below
    stance_model: Path | None = Field(default=None, validation_alias="CLAIMBOT_STANCE_MODEL")
    stance_reader: StanceReader = Field(default=StanceReader.FAST, validation_alias="CLAIMBOT_STANCE_READER")
    # 15: the verdicts 20 gave on the news dev claims and the demo, a quarter less of a check's
    # largest step (docs/prereg/stance-candidates.md).
    stance_candidates: int = Field(default=15, ge=1, le=200, validation_alias="CLAIMBOT_STANCE_CANDIDATES")
    stance_threads: int = Field(default=0, ge=0, le=MAX_THREADS, validation_alias="CLAIMBOT_STANCE_THREADS")
    # A passage whose embedding is less similar than this to the claim's (cosine) is not shown or
    # judged: it bears on nothing the claim says. Measured by bench/bench_relevance_floor.py
    # (docs/benchmarks.md, "Relevance floor"); 0 shows every retrieved passage.
    relevance_floor: float = Field(default=0.20, ge=0, le=1, validation_alias="CLAIMBOT_RELEVANCE_FLOOR")

    # Published fact-checks (schema.org ClaimReview on ingested pages): stored, and a claim that
    # matches a claim reviewed is shown with its rating first. Two English claims match when the
    # fact-check reader says so (its threshold ships with it); otherwise the similarity (cosine,
    # multilingual encoder) decides: this threshold within one language, the next across two.
    # Both are measured on data/factcheck-pairs (docs/factchecks.md).
    factchecks: bool = Field(default=True, validation_alias="CLAIMBOT_FACTCHECKS")
    factcheck_threshold: float = Field(default=0.92, ge=0, le=1, validation_alias="CLAIMBOT_FACTCHECK_THRESHOLD")
    # The same, for a claim and a claim reviewed in two languages (translations score lower).
    factcheck_threshold_cross: float = Field(
        default=0.69, ge=0, le=1, validation_alias="CLAIMBOT_FACTCHECK_THRESHOLD_CROSS"
    )

    fetch_timeout_s: float = Field(
        default=15.0, gt=0, le=MAX_FETCH_TIMEOUT_S, validation_alias="CLAIMBOT_FETCH_TIMEOUT"
    )
    fetch_max_redirects: int = Field(default=5, ge=0, validation_alias="CLAIMBOT_FETCH_MAX_REDIRECTS")
    max_article_bytes: int = Field(default=5_000_000, gt=0, le=MAX_BYTES, validation_alias="CLAIMBOT_MAX_ARTICLE_BYTES")
    # An article with more sentences is refused in one line (a long report has about 1,500).
    max_passages_per_article: int = Field(default=2_000, ge=1, validation_alias="CLAIMBOT_MAX_PASSAGES_PER_ARTICLE")
    # DEFAULT_INGEST_BATCH; articles fetched one by one use at most 256.
    ingest_batch: int = Field(default=DEFAULT_INGEST_BATCH, ge=1, le=100_000, validation_alias="CLAIMBOT_INGEST_BATCH")
    # Off: article URLs whose host resolves to a loopback, private, link-local, multicast or reserved
    # address are refused (each redirect hop too), so /ingest cannot probe the bot's own network.
    fetch_allow_private: bool = Field(default=False, validation_alias="CLAIMBOT_FETCH_ALLOW_PRIVATE")
    # Host names (as written in URLs) allowed to resolve to such addresses while the above is off.
    fetch_private_hosts: Annotated[list[str] | None, NoDecode] = Field(
        default=None, validation_alias="CLAIMBOT_FETCH_PRIVATE_HOSTS"
    )

    # Feeds (docs/feeds.md). The User-Agent names claimbot and this contact (a URL or an e-mail
    # address) so that a site's operator can reach whoever runs the poller.
    feeds_contact: str = Field(default="", validation_alias="CLAIMBOT_FEEDS_CONTACT")
    feeds_interval_s: float = Field(default=1800.0, validation_alias="CLAIMBOT_FEEDS_INTERVAL")
    # The least time between two requests to one host, whatever feeds and articles they are for
    # (a robots.txt Crawl-delay that is longer wins).
    feeds_host_delay_s: float = Field(
        default=2.0, ge=0, le=MAX_HOST_DELAY_S, validation_alias="CLAIMBOT_FEEDS_HOST_DELAY"
    )
    feeds_max_items_per_poll: int = Field(default=50, ge=1, validation_alias="CLAIMBOT_FEEDS_MAX_ITEMS")
    feeds_max_feed_bytes: int = Field(
        default=10_000_000, gt=0, le=MAX_BYTES, validation_alias="CLAIMBOT_FEEDS_MAX_FEED_BYTES"
    )
    # Failed polls in a row before a feed is paused (state "failed", its last error shown); the
    # wait after each failure doubles from the feed's interval up to CLAIMBOT_FEEDS_MAX_BACKOFF.
    feeds_max_failures: int = Field(default=8, ge=1, validation_alias="CLAIMBOT_FEEDS_MAX_FAILURES")
    # At most MAX_BACKOFF_S, checked by `_backoff_bounded` to say so in days, not in seconds.
    feeds_max_backoff_s: float = Field(default=86_400.0, validation_alias="CLAIMBOT_FEEDS_MAX_BACKOFF")
    # Poll inside `claimbot serve` (off when a separate `claimbot watch` worker does it).
    feeds_in_serve: bool = Field(default=True, validation_alias="CLAIMBOT_FEEDS_IN_SERVE")
    # The article corpus is shared by every server the bot is in: a list of guild ids limits the
    # Discord /ingest command to those servers' moderators. Unset: every server's moderators.
    ingest_guilds: Annotated[list[int] | None, NoDecode] = Field(
        default=None, validation_alias="CLAIMBOT_INGEST_GUILDS"
    )

    discord_token: str | None = Field(
        default=None, validation_alias=AliasChoices("DISCORD_TOKEN", "CLAIMBOT_DISCORD_TOKEN")
    )
    # Gateway sharding (docs/deploy.md): with a shard count, `serve` runs discord.py's AutoShardedBot;
    # several processes split the shards between them with CLAIMBOT_SHARD_IDS ("0,1"). Unset: one
    # unsharded connection, which Discord accepts up to 2,500 guilds.
    shard_count: int | None = Field(default=None, ge=1, validation_alias="CLAIMBOT_SHARD_COUNT")
    shard_ids: Annotated[list[int] | None, NoDecode] = Field(default=None, validation_alias="CLAIMBOT_SHARD_IDS")

    # The one claim-length limit, of every entry point (`claimbot check`, /check, the service:
    # claimbot.index.review.validate_claim).
    max_claim_chars: int = Field(default=500, ge=1, le=1000, validation_alias="CLAIMBOT_MAX_CLAIM_CHARS")
    # Discord front end: rate limits (sliding windows, persisted) and the similarity above which a
    # moderator's correction is shown for a later claim (measured: docs/benchmarks-review.md).
    rate_user_checks: int = Field(default=5, ge=0, validation_alias="CLAIMBOT_RATE_USER_CHECKS")
    rate_user_window_s: float = Field(
        default=60.0, gt=0, le=MAX_RATE_WINDOW_S, validation_alias="CLAIMBOT_RATE_USER_WINDOW"
    )
    rate_guild_checks: int = Field(default=60, ge=0, validation_alias="CLAIMBOT_RATE_GUILD_CHECKS")
    rate_guild_window_s: float = Field(
        default=60.0, gt=0, le=MAX_RATE_WINDOW_S, validation_alias="CLAIMBOT_RATE_GUILD_WINDOW"
    )
    # The bot's model work (bot/workpool.py): at most this many checks wait, and one that would wait
    # longer than this many seconds is refused with "busy, try again in N s" (an interaction's token
    # lasts 15 minutes: an answer later than that is lost).
    queue_limit: int = Field(default=1_000, ge=1, validation_alias="CLAIMBOT_QUEUE_LIMIT")
    queue_max_wait_s: float = Field(default=780.0, gt=0, le=840, validation_alias="CLAIMBOT_QUEUE_MAX_WAIT")
    correction_threshold: float = Field(default=0.80, ge=0, le=1, validation_alias="CLAIMBOT_CORRECTION_THRESHOLD")
    # Every /check stores its answer (for flags and paging); answers older than this many days that
    # nobody flagged are deleted by the bot (at start and daily). 0 keeps them forever.
    answer_retention_days: int = Field(
        default=90, ge=0, le=MAX_RETENTION_DAYS, validation_alias="CLAIMBOT_ANSWER_RETENTION_DAYS"
    )
    # Watched claims (docs/moderators.md): an approved or corrected answer's claim is watched for
    # this many days, as long as /watch lasts by default (0: none watched automatically), and
    # a server's review channel gets at most this many updates an hour, so that one big ingest on a
    # busy topic cannot flood it.
    watch_days: int = Field(default=14, ge=0, le=3650, validation_alias="CLAIMBOT_WATCH_DAYS")
    watch_updates_per_hour: int = Field(default=10, ge=0, validation_alias="CLAIMBOT_WATCH_UPDATES_PER_HOUR")
    # `claimbot serve` reads articles other processes ingested (`claimbot ingest`, `claimbot feeds
    # poll`) against the watched claims this often; its own ingests are read at once.
    watch_sweep_s: float = Field(default=60.0, ge=5, le=86_400, validation_alias="CLAIMBOT_WATCH_SWEEP")

    @model_validator(mode="before")
    @classmethod
    def _blank_is_default(cls, values: object) -> object:
        # A key left blank (`CLAIMBOT_PG_INDEX_MEMORY=`, as a copied .env.example line is left) means
        # its default, for every key alike: `CLAIMBOT_DATA_DIR=` is not the current directory,
        # `CLAIMBOT_EMBED_MODEL=` not a model named "", `CLAIMBOT_FEEDS_INTERVAL=` not a bad duration.
        if isinstance(values, dict):
            return {k: v for k, v in values.items() if not (isinstance(v, str) and not v.strip())}
        return values

    @field_validator("database_url", mode="after")
    @classmethod
    def _kept_on_disk(cls, value: str | None) -> str | None:
        # `sqlite:///` (a template's path left out) is SQLite's in-memory database: an ingest said
        # "1 added" and the article was gone when the command ended.
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(value) if value else None
        except (ArgumentError, ValueError):  # not a URL ("...:notaport/"): opening the index says so, in one line
            return value
        if url is not None and url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
            raise ValueError(
                f"{value!r} is an in-memory database, gone when the command ends: give a file "
                "(sqlite:////srv/claimbot/claimbot.db), or leave it empty for CLAIMBOT_HOME/claimbot.db"
            )
        return value

    @field_validator("home", "data_dir", mode="after")
    @classmethod
    def _expand_user(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("stance_model", mode="after")
    @classmethod
    def _expand_user_if_set(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None

    @field_validator("feeds_interval_s", "feeds_max_backoff_s", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        return parse_duration(value) if isinstance(value, str | int | float) else value

    @field_validator("feeds_max_backoff_s", mode="after")
    @classmethod
    def _backoff_bounded(cls, value: float) -> float:
        # Written as "40d", refused as "at most 30d" rather than "less than or equal to 2592000".
        if value > MAX_BACKOFF_S:
            raise ValueError(f"must be at most {format_duration(MAX_BACKOFF_S)}")
        return value

    @field_validator("fetch_private_hosts", mode="before")
    @classmethod
    def _host_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [p.strip().lower() for p in value.split(",") if p.strip()] or None
        return value

    @field_validator("shard_ids", "ingest_guilds", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            return [int(p) for p in parts] if parts else None
        return value

    @model_validator(mode="after")
    def _shards_fit(self) -> Settings:
        if self.shard_ids is not None:
            if self.shard_count is None:
                raise ValueError("CLAIMBOT_SHARD_IDS needs CLAIMBOT_SHARD_COUNT (the total number of shards)")
            bad = [i for i in self.shard_ids if not 0 <= i < self.shard_count]
            if bad or len(set(self.shard_ids)) != len(self.shard_ids):
                raise ValueError(
                    f"CLAIMBOT_SHARD_IDS must be distinct shard numbers from 0 to {self.shard_count - 1}, got {self.shard_ids}"
                )
        return self

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / 'claimbot.db'}"

    @property
    def vector_dir(self) -> Path:
        return self.home / "vectors"

    def ensure_home(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        self.vector_dir.mkdir(parents=True, exist_ok=True)
        # SQLite says only "unable to open database file" of a read-only directory (its journal
        # goes beside the database), even for a check: say which directory and why.
        for directory in (self.home, self.vector_dir):
            if not os.access(directory, os.W_OK):
                raise PermissionError(f"CLAIMBOT_HOME is not writable: {directory} (a read-only file system or mode)")
