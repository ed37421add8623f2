"""Per-guild settings: the review channel and the moderator role."""

from __future__ import annotations

from claimbot.index.review.audit import AuditLog
from claimbot.index.review.base import Context, Part
from claimbot.index.review.models import AuditAction, AuditState, GuildConfig
from claimbot.index.storage import GuildSettingsRow


class GuildSettings(Part):
    def __init__(self, ctx: Context, audit: AuditLog) -> None:
        super().__init__(ctx)
        self._audit = audit

    def guild_config(self, guild_id: int) -> GuildConfig:
        with self._session() as s:
            row = s.get(GuildSettingsRow, guild_id)
            if row is None:
                return GuildConfig(guild_id, None, None)
            return GuildConfig(guild_id, row.review_channel_id, row.moderator_role_id)

    def configure_guild(
        self, guild_id: int, actor_id: int, *, review_channel_id: int | None, moderator_role_id: int | None
    ) -> GuildConfig:
        with self._session() as s, s.begin():
            row = s.get(GuildSettingsRow, guild_id)
            before: AuditState | None = None
            if row is None:
                row = GuildSettingsRow(guild_id=guild_id)
                s.add(row)
            else:
                before = {"review_channel_id": row.review_channel_id, "moderator_role_id": row.moderator_role_id}
            row.review_channel_id = review_channel_id
            row.moderator_role_id = moderator_role_id
            row.updated_by = actor_id
            row.updated_at = self.now()
            after: AuditState = {"review_channel_id": review_channel_id, "moderator_role_id": moderator_role_id}
            self._audit.write(s, guild_id, actor_id, AuditAction.SETUP, "guild_settings", None, before, after)
        return GuildConfig(guild_id, review_channel_id, moderator_role_id)
