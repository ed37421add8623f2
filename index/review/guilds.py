"""Per-guild settings: the review channel, the moderator role, the mod-log channel and the
server's own collection."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from claimbot.index.review.audit import AuditLog
from claimbot.index.review.base import Context, Part
from claimbot.index.review.errors import ReviewError
from claimbot.index.review.models import AuditAction, AuditState, GuildConfig
from claimbot.index.storage import GuildSettingsRow

# `configure_guild` leaves a setting it is not given as it is.
KEEP: Any = object()
SETTINGS = ("review_channel_id", "moderator_role_id", "mod_log_channel_id", "collection")


class GuildSettings(Part):
    def __init__(self, ctx: Context, audit: AuditLog) -> None:
        super().__init__(ctx)
        self._audit = audit

    def guild_config(self, guild_id: int) -> GuildConfig:
        with self._session() as s:
            row = s.get(GuildSettingsRow, guild_id)
            if row is None:
                return GuildConfig(guild_id, None, None)
            return _config(row)

    def configure_guild(
        self,
        guild_id: int,
        actor_id: int,
        *,
        review_channel_id: int | None = KEEP,
        moderator_role_id: int | None = KEEP,
        mod_log_channel_id: int | None = KEEP,
        collection: str | None = KEEP,
    ) -> GuildConfig:
        """Change the settings given (None clears one); the others stay. One audit row."""
        given = {
            "review_channel_id": review_channel_id,
            "moderator_role_id": moderator_role_id,
            "mod_log_channel_id": mod_log_channel_id,
            "collection": collection,
        }
        changes = {k: v for k, v in given.items() if v is not KEEP}
        with self._session() as s, s.begin():
            if changes.get("collection") is not None:
                # A server's collection is its own: another server that named it would search its
                # articles and could remove them.
                taken = s.scalar(
                    select(GuildSettingsRow.guild_id).where(
                        GuildSettingsRow.collection == changes["collection"], GuildSettingsRow.guild_id != guild_id
                    )
                )
                if taken is not None:
                    raise ReviewError(
                        f"the collection `{changes['collection']}` belongs to another server; choose another name"
                    )
            row = s.get(GuildSettingsRow, guild_id)
            before: AuditState | None = None
            if row is None:
                row = GuildSettingsRow(guild_id=guild_id)
                s.add(row)
            else:
                before = {k: getattr(row, k) for k in changes}
            for key, value in changes.items():
                setattr(row, key, value)
            row.updated_by = actor_id
            row.updated_at = self.now()
            self._audit.write(s, guild_id, actor_id, AuditAction.SETUP, "guild_settings", None, before, changes)
            return _config(row)


def _config(row: GuildSettingsRow) -> GuildConfig:
    return GuildConfig(
        row.guild_id, row.review_channel_id, row.moderator_role_id, row.mod_log_channel_id, row.collection
    )
