"""One module per Discord feature. Each imports the shared helpers (interactions, embeds,
services), never the app; the app imports these two lists."""

from claimbot.bot.features.check import CheckCommands, MoreButton, PublishButton
from claimbot.bot.features.corpus import CorpusCommands
from claimbot.bot.features.feeds import FeedsCommands
from claimbot.bot.features.ingest import IngestCommands
from claimbot.bot.features.moderation import ModerationCommands
from claimbot.bot.features.review import FlagButton, ReviewButton, ReviewCommands
from claimbot.bot.features.setup import SetupCommands
from claimbot.bot.features.sources import ExpiredPagerButton, SourcesCommands
from claimbot.bot.features.watch import WatchButton, WatchCommands

# The cogs, each built with the bot.
COGS = (
    CheckCommands,
    SourcesCommands,
    IngestCommands,
    CorpusCommands,
    FeedsCommands,
    ReviewCommands,
    ModerationCommands,
    SetupCommands,
    WatchCommands,
)
# Buttons that survive a restart: their custom ids carry what they act on (a /sources pager's, the
# pager that is gone then).
DYNAMIC_ITEMS = (ExpiredPagerButton, FlagButton, MoreButton, PublishButton, ReviewButton, WatchButton)

__all__ = ["COGS", "DYNAMIC_ITEMS"]
