"""What the bot serves from: the claim index, the review workflow and the settings, opened once."""

from __future__ import annotations

from dataclasses import dataclass

from claimbot.bot.words import counted
from claimbot.index.config import Settings
from claimbot.index.review import ReviewLimits, ReviewService
from claimbot.index.service import DEFAULT_COLLECTION, ClaimIndex, open_index


@dataclass
class Services:
    index: ClaimIndex
    review: ReviewService
    settings: Settings

    @classmethod
    def open(cls, settings: Settings) -> Services:
        index = open_index(settings)
        review = ReviewService(
            index.store.engine,
            limits=ReviewLimits.from_settings(settings),
            embed=lambda texts: index.embedder.encode(texts),
            embed_model=index.embedder_name,  # without loading the model
            confirm=index.same_claim,  # loaded on a guild's first similar correction
        )
        # Corrections made under another embedding model (switched on an empty corpus, where
        # nothing asks for `reindex --reembed`) are redone here rather than never matched again.
        review.reembed_corrections(only_stale=True)
        return cls(index, review, settings)

    # Counts only: `index.stats()` would also count the vectors, a scan of every passage row on
    # PostgreSQL, for a figure the footer does not show.
    def corpus_line(self) -> str:
        articles, passages = self.index.store.counts()
        return f"Corpus: {counted(articles, 'article')}, {counted(passages, 'passage')}"

    def collections(self, guild_id: int) -> list[str]:
        """What a server's checks search: the shared corpus, and its own collection if it chose one
        in /claimbot setup. (A database read: call it off the event loop.)"""
        own = self.review.guild_config(guild_id).collection
        return [DEFAULT_COLLECTION] + ([own] if own and own != DEFAULT_COLLECTION else [])

    def corpus_version(self) -> str:
        articles, passages = self.index.store.counts()
        return f"{articles}a/{passages}p"
