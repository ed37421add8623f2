"""Counts in words for every front end (CLI, Discord), without importing discord."""

from __future__ import annotations

from claimbot.index.config import format_duration
from claimbot.index.records import CheckResult, CorpusSummary, Coverage, IngestReport
from claimbot.index.review import Rating


def counted(n: int, noun: str) -> str:
    """ "1 article", "45 passages": a count a reader does not stumble on."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def ingest_summary(report: IngestReport) -> str:
    """The line an ingest ends with, every count grouped alike ("2,653 added, …; 7,959 passages")."""
    return (
        f"articles: {report.added:,} added, {report.replaced:,} replaced, {report.unchanged:,} unchanged, "
        f"{report.failed:,} failed; {counted(report.passages, 'passage')} in {report.seconds:.1f} s"
    )


def duration(seconds: int) -> str:
    """A feed's interval as `feeds add --every` and `/feeds add every:` take it: "30m", "2h", "90s"."""
    return format_duration(seconds)


def coverage(summary: CorpusSummary) -> str:
    """What an answer that found nothing searched: "Nothing in the corpus is about this claim. It
    holds 1 article (44 passages) from el Nuevo Herald, dated 2018-01-15." """
    if summary.articles == 0 and summary.unsearched:
        return (
            "Nothing could be searched: the collections searched hold no articles, or only articles from "
            f"blocked sources (the corpus holds {counted(summary.unsearched, 'article')})."
        )
    if summary.articles == 0:
        return "The corpus is empty: a moderator adds articles with /ingest, an operator with `claimbot ingest`."
    held = f"{counted(summary.articles, 'article')} ({counted(summary.passages, 'passage')})"
    names = summary.outlets
    if len(names) == 1 and summary.outlet_count == 1:
        held += f" from {names[0]}"
    elif names:
        shown = ", ".join(names) + (", …" if summary.outlet_count > len(names) else "")
        held += f" from {counted(summary.outlet_count, 'outlet')} ({shown})"
    if summary.oldest and summary.newest:
        span = summary.oldest if summary.oldest == summary.newest else f"{summary.oldest} to {summary.newest}"
        held += f", dated {span}"
    return f"Nothing in the corpus is about this claim. It holds {held}."


NO_COVERAGE = "No coverage"  # the verdict line of an answer whose corpus holds nothing about the claim
UNCLEAR = "the evidence is unclear"  # beside "unverified" when passages exist but decide nothing


def searched(summary: CorpusSummary) -> str:
    """What every answer searched and how current it is: "Searched 12 articles from 5 sources;
    the newest is dated 2018-01-16." """
    if summary.articles == 0 and summary.unsearched:
        return "Searched no articles: none in the collections searched, or only from blocked sources."
    if summary.articles == 0:
        return "Searched an empty corpus."
    held = f"Searched {counted(summary.articles, 'article')}"
    if summary.sources:  # 0 only in answers stored before sourceless articles counted as their own
        held += f" from {counted(summary.sources, 'source')}"
    if summary.newest:
        return f"{held}; the newest is dated {summary.newest}."
    return f"{held} (none dated)."


def verdict_words(result: CheckResult) -> str | None:
    """The verdict as a reader sees it: "no coverage" is not "unverified", which says passages
    are about the claim but decide nothing. None for a claim the stance model cannot read (no
    verdict, found or not: the answer says "Not judged" and why)."""
    if not result.judged:
        return None
    if result.coverage is Coverage.NO_COVERAGE:
        return NO_COVERAGE.lower()
    if result.verdict == "unverified" and result.coverage is Coverage.UNCLEAR:
        return f"unverified ({UNCLEAR})"
    return result.verdict


def balanced_quotes(text: str) -> str:
    """A passage cut out of a multi-sentence quote, with its quotation marks paired again:
    'Let him surrender,” the mother said' gets its opening mark, '“Spare his life.' its closing one.
    Display only: the stored text and its offsets stay as the article has them."""
    depth = missing_open = 0
    for ch in text:
        if ch == "“":
            depth += 1
        elif ch == "”":
            if depth:
                depth -= 1
            else:
                missing_open += 1
    text = "“" * missing_open + text + "”" * depth
    if text.count('"') % 2:
        # A straight mark at the start opens a quote the sentence split cut short; anywhere else it
        # closes one that began in an earlier sentence.
        text = text + '"' if text.lstrip().startswith('"') else '"' + text
    return text


def rating_label(verdict: str) -> str:
    """A corrected verdict as the scale names it ("Mostly false"); older free-text ones as written."""
    rating = Rating.parse(verdict)
    return rating.label if rating else verdict
