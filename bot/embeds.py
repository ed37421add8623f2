"""Embeds for answers, review cards, /review and /sources, always within Discord's limits.

Limits (Discord API): title 256, description 4096, 25 fields, field name 256, field value 1024,
footer 2048, 6000 characters over the whole message. discord.py does not check them.
"""

from __future__ import annotations

import datetime as dt

import discord

from claimbot.bot.words import balanced_quotes, counted, coverage, rating_label, searched, verdict_words
from claimbot.index.records import CheckResult, CorpusSummary, FactCheck, PassageResult
from claimbot.index.review import AnswerView, AuditEntry, CorrectionView, FlagView, SourcesPage, WatchSide, WatchUpdate

TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
TOTAL_MAX = 6000
ELLIPSIS = "…"

FIRST_PAGE_PASSAGES = 4  # on the answer itself
PAGE_PASSAGES = 4  # per "More passages" page

COLOURS = {
    "supported": discord.Colour.green(),
    "true": discord.Colour.green(),
    "refuted": discord.Colour.red(),
    "false": discord.Colour.red(),
    "misleading": discord.Colour.orange(),
    "mixed": discord.Colour.orange(),
    "conflicting": discord.Colour.orange(),
    "disputed": discord.Colour.orange(),
    "unverified": discord.Colour.light_grey(),
    "unproven": discord.Colour.light_grey(),
}
NO_VERDICT_COLOUR = discord.Colour.light_grey()
# Longer URLs are shown without a link: they would crowd the quote out of a 1024-character field,
# and one cut short would break the markdown.
LINK_URL_MAX = 300


def stance_label(p: PassageResult) -> str:
    """The one label of a passage's stance, on the answer and on the review card. "Supports" and
    "Conflicts" only when the stance model is confident; a side it is unsure of is shown as related,
    with its lean; neutral passages (and ones the model did not read) are "Related"."""
    if p.stance in ("supports", "refutes"):
        if p.confident:
            return "Supports" if p.stance == "supports" else "Conflicts"
        return f"Related (leans {'support' if p.stance == 'supports' else 'conflict'})"
    return "Related"


def colour_for(verdict: str | None) -> discord.Colour:
    if not verdict:
        return NO_VERDICT_COLOUR
    key = verdict.strip().lower()
    for word, colour in COLOURS.items():
        if key.startswith(word) or key.startswith(f"mostly {word}"):
            return colour
    return discord.Colour.blurple()


def cut(text: str, limit: int, *, suffix: str = "") -> str:
    """`text` + `suffix` in at most `limit` characters, cut at a word boundary with an ellipsis."""
    text = text or ""
    if limit <= 0:
        return ""  # (a negative slice below would keep the end of the text instead)
    if len(text) + len(suffix) <= limit:
        return text + suffix
    room = limit - len(suffix) - len(ELLIPSIS)
    if room <= 0:
        return (text + suffix)[:limit]
    head = text[:room]
    space = head.rfind(" ")
    if space > room // 2:
        head = head[:space]
    return head.rstrip(" ,;:.-—") + ELLIPSIS + suffix


def md(text: str | None) -> str:
    """Article or user text shown verbatim: markdown escaped (mentions never ping: AllowedMentions.none())."""
    return discord.utils.escape_markdown(text or "", as_needed=False)


def linkable(url: str | None) -> bool:
    return bool(
        url
        and url.startswith(("http://", "https://"))
        and ")" not in url
        and " " not in url
        and len(url) <= LINK_URL_MAX
    )


def _link(title: str, url: str | None) -> str:
    label = md(cut(title.replace("[", "(").replace("]", ")"), 80))
    return f"[{label}]({url})" if linkable(url) else label


def passage_name(p: PassageResult, number: int) -> str:
    """A passage's field name: number, stance label, "caption" for a caption, outlet, date."""
    bits = [
        f"{number}. {stance_label(p)}",
        "caption" if p.kind == "caption" else None,
        p.article.outlet,
        p.article.published,
    ]
    return cut(" · ".join(b for b in bits if b), FIELD_NAME_MAX)


def passage_field(p: PassageResult, number: int, limit: int = FIELD_VALUE_MAX) -> tuple[str, str]:
    """(name, value) of one passage: outlet and date in the name; in the value the quote, who says
    it and a short link to its article (titles go once, in the sources line). A long quote is cut
    to `limit`, never the speaker or the link."""
    art = p.article
    name = passage_name(p, number)
    said = ""
    if p.attribution:
        said = f"— {md(cut(p.attribution, 200))}"
    elif p.speaker:
        said = f"— {md(cut(p.speaker, 100))}"
    link = f"[article]({art.url})" if linkable(art.url) else ""
    quote = f"> {md(balanced_quotes(' '.join(p.text.split())))}"
    tail = " · ".join(x for x in (said, link) if x)
    if limit - len(tail) < 60:  # a narrow field: the quote before the link
        tail = said
    value = quote + ("\n" + tail if tail else "")
    if len(value) > limit:
        value = cut(quote, max(20, limit - len(tail) - 1)) + ("\n" + tail if tail else "")
    return name, cut(value, limit)


def sources_line(passages: list[tuple[int, PassageResult]]) -> str:
    """One line per article the shown passages come from: "1, 2: [title](url) · outlet, date"."""
    numbers: dict[int, list[int]] = {}
    articles: dict[int, PassageResult] = {}
    for number, p in passages:
        numbers.setdefault(p.article.id, []).append(number)
        articles.setdefault(p.article.id, p)
    lines = []
    for article_id, nums in numbers.items():
        art = articles[article_id].article
        where = ", ".join(x for x in (art.outlet, art.published) if x)
        lines.append(
            f"{', '.join(map(str, nums))}: {_link(art.title or art.url or f'article {art.id}', art.url)}"
            + (f" · {md(where)}" if where else "")
        )
    kept: list[str] = []
    for line in lines:  # whole lines only: a link cut in half would break the markdown
        if len("\n".join([*kept, line, ELLIPSIS])) > FIELD_VALUE_MAX:
            kept.append(ELLIPSIS)
            break
        kept.append(line)
    return "\n".join(kept)


def first_page_indices(result: CheckResult) -> list[int]:
    """Which passages the answer shows: the top supporting and conflicting ones when stances are
    known, else the most relevant ones."""
    ps = result.passages
    if any(p.confident and p.stance in ("supports", "refutes") for p in ps):
        sup = [i for i, p in enumerate(ps) if p.confident and p.stance == "supports"][:2]
        ref = [i for i, p in enumerate(ps) if p.confident and p.stance == "refutes"][:2]
        chosen = sorted(sup + ref)
        rest = [i for i in range(len(ps)) if i not in chosen]
        return sorted(chosen + rest[: max(0, FIRST_PAGE_PASSAGES - len(chosen))])
    return list(range(min(FIRST_PAGE_PASSAGES, len(ps))))


def rest_indices(result: CheckResult) -> list[int]:
    shown = set(first_page_indices(result))
    return [i for i in range(len(result.passages)) if i not in shown]


def page_count(items: int, per_page: int) -> int:
    """Pages needed for `items` (at least one: an empty list is one empty page)."""
    return max(1, -(-items // per_page))


def no_such_page(page: int, pages: int) -> str:
    return f"No page {page}: there are {pages}."


def more_pages(result: CheckResult) -> int:
    return -(-len(rest_indices(result)) // PAGE_PASSAGES)


def correction_text(c: CorrectionView, claim: str) -> str:
    when = discord.utils.format_dt(c.created_at, "d")
    same = " ".join(c.claim.split()).casefold() == " ".join(claim.split()).casefold()
    about = "this claim" if same else f"a similar claim (“{md(cut(c.claim, 200))}”)"
    text = f"🛡️ **Moderator correction** for {about}, {when}:\n**Verdict: {md(rating_label(c.verdict))}**"
    if c.note:
        text += f"\n{md(cut(c.note, 1000))}"
    return text


def fact_check_text(f: FactCheck) -> str:
    """ "PolitiFact rated a matching claim *False* (2018-01-16): …", linked to the fact-check."""
    who = md(f.reviewer or "A fact-checker")
    rating = md(f.rating_text or str(f.rating))
    when = f" ({f.reviewed_on.isoformat()})" if f.reviewed_on else ""
    claim = md(cut(f.claim_reviewed, 300))
    link = f" [read it]({f.url})" if linkable(f.url) else ""
    return f"**Fact-check:** {who} rated a matching claim *{rating}*{when}: “{claim}”{link}"


def coverage_text(summary: CorpusSummary) -> str:
    """What an answer that found nothing searched, as Discord shows it: the outlet names (the pages'
    own) escaped, not the sentence around them, whose `claimbot ingest` is code."""
    return coverage(summary.model_copy(update={"outlets": [md(o) for o in summary.outlets]}))


def answer_embed(
    answer: AnswerView, corpus: str, *, indices: list[int] | None = None, page: int | None = None
) -> discord.Embed:
    """The answer as shown. `indices` picks passages (the first page by default)."""
    result = answer.result
    # The stored answer keeps the correction it was first shown with (its review card says so), but
    # one the moderators revoked since is not posted again (Post publicly, More passages).
    correction = answer.correction if answer.correction and answer.correction.revoked_at is None else None
    verdict = correction.verdict if correction else result.verdict
    embed = discord.Embed(title=cut(f"Claim: {answer.claim}", TITLE_MAX), colour=colour_for(verdict))
    lines = []
    if result.read_as:
        # what was checked, where the post held more than its claim (links, emoji, "BREAKING:")
        lines.append(f"**Read as:** {md(cut(result.read_as, 500))}")
    if correction:
        lines.append(correction_text(correction, result.read_as or answer.claim))
    lines.extend(fact_check_text(m.fact_check) for m in result.fact_checks)
    words = verdict_words(result)
    if words:
        lines.append(f"**Verdict:** {md(words)}" + (" (automatic)" if correction else ""))
        if result.reason:
            lines.append(md(result.reason))
    elif not result.judged:
        lines.append(f"**Not judged:** {md(result.reason)}")
    elif not correction:
        lines.append("**Verdict:** not determined automatically; read the passages below.")
    if not result.passages:
        lines.append(coverage_text(result.corpus) if result.corpus else "No indexed article is about this claim.")
    elif result.corpus is not None:
        lines.append(f"*{md(searched(result.corpus))}*")  # how current the answer is
    if page is not None:
        lines.append(f"More passages, page {page} of {more_pages(result)}.")
    embed.description = cut("\n\n".join(lines), DESCRIPTION_MAX)
    chosen = (first_page_indices(result) if indices is None else indices)[: FIELDS_MAX - 1]
    sources = sources_line([(i + 1, result.passages[i]) for i in chosen]) if chosen else ""
    footer = cut(f"{corpus} · answer #{answer.id}", FOOTER_MAX)
    # Each passage's share of what the 6000-character total leaves, so that quotes are cut (in
    # passage_field, keeping speaker and link) before `fit` would have to cut anything else.
    fixed = len(embed.title or "") + len(embed.description or "") + len(footer) + len("Sources") + len(sources)
    names = sum(len(passage_name(result.passages[i], i + 1)) for i in chosen)
    share = (TOTAL_MAX - fixed - names) // max(1, len(chosen)) - 2
    for i in chosen:
        name, value = passage_field(result.passages[i], i + 1, max(100, min(FIELD_VALUE_MAX, share)))
        embed.add_field(name=name, value=value, inline=False)
    if sources:
        embed.add_field(name="Sources", value=sources, inline=False)
    embed.set_footer(text=footer)
    embed.timestamp = answer.created_at
    return fit(embed, keep=frozenset({"Sources"}))


def fit(embed: discord.Embed, keep: frozenset[str] = frozenset()) -> discord.Embed:
    """Shrink field values (longest first) until the embed is within the 6000-character total.

    Fields named in `keep` are shrunk only once every other field is down to a stub."""
    while len(embed) > TOTAL_MAX and embed.fields:
        over = len(embed) - TOTAL_MAX
        values = [len(f.value or "") for f in embed.fields]
        spare = [k for k, f in enumerate(embed.fields) if f.name not in keep and values[k] > 40]
        i = max(spare or range(len(embed.fields)), key=lambda k: values[k])
        f = embed.fields[i]
        value = f.value or ""
        if len(value) <= 40:
            embed.remove_field(len(embed.fields) - 1)
            continue
        embed.set_field_at(i, name=f.name, value=cut(value, max(20, len(value) - over - 1)), inline=f.inline)
    if len(embed) > TOTAL_MAX and embed.description:
        embed.description = cut(embed.description, max(0, len(embed.description) - (len(embed) - TOTAL_MAX)))
    return embed


def jump(guild_id: int, channel_id: int | None, message_id: int | None) -> str | None:
    if channel_id and message_id:
        return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"
    return None


# Named for what the decision says about the answer, as the buttons are.
DECISION_LABEL = {
    "approved": "✅ Answer is right: decided",
    "corrected": "✏️ Answer corrected",
    "dismissed": "🗑️ Not about accuracy: decided",
}


def answer_link(a: AnswerView) -> str | None:
    """A jump link to the posted answer; none to a private one, which only its asker can open."""
    return None if a.private else jump(a.guild_id, a.channel_id, a.message_id)


def card_embed(flag: FlagView) -> discord.Embed:
    """The review card: the claim, the answer as shown, who flagged and why; the decision once made."""
    a = flag.answer
    colour = discord.Colour.gold() if flag.is_open else discord.Colour.dark_grey()
    reports = "report" if flag.count == 1 else "reports"
    embed = discord.Embed(title=cut(f"Flag #{flag.id} · {flag.count} {reports} · {a.claim}", TITLE_MAX), colour=colour)
    # In the answer's words: "no coverage" is stored as "unverified", and reads differently.
    shown = verdict_words(a.result) or "not determined (passages only)"
    lines = [f"**Claim:** {md(cut(a.claim, 500))}"]
    if a.result.read_as:
        # what was checked: a correction made here is of this claim (decisions.py)
        lines.append(f"**Read as:** {md(cut(a.result.read_as, 500))}")
    lines.append(f"**Verdict shown:** {md(shown)}")
    if a.result.verdict and a.result.reason:
        lines.append(f"**Reason shown:** {md(cut(a.result.reason, 400))}")
    if a.correction:
        lines.append(f"**Correction shown:** {md(rating_label(a.correction.verdict))} (correction #{a.correction.id})")
    lines.append(
        f"**Asked by** <@{a.asker_id}> {discord.utils.format_dt(a.created_at, 'R')}"
        + (" (private answer)" if a.private else "")
    )
    link = answer_link(a)
    if link:
        lines.append(f"[Jump to the answer]({link})")
    lines.append("\n**Passages shown:**")
    for i in first_page_indices(a.result):
        p = a.result.passages[i]
        src = " · ".join(x for x in (p.article.outlet, p.article.published) if x) or p.article.title or "article"
        quote = md(cut(balanced_quotes(" ".join(p.text.split())), 180))
        caption = " (caption)" if p.kind == "caption" else ""
        lines.append(f"{i + 1}. {stance_label(p)}{caption}: {quote} — {_link(src, p.article.url)}")
    embed.description = cut("\n".join(lines), 2500)
    for n, r in enumerate(flag.reports[:10], start=1):
        # Timestamps render in field values, not in field names.
        embed.add_field(
            name=f"Report {n}",
            value=cut(f"<@{r.flagger_id}>: {md(r.reason)}", 360) + f"\n{discord.utils.format_dt(r.created_at, 'R')}",
            inline=False,
        )
    if len(flag.reports) > 10:
        embed.add_field(name="More reports", value=f"{len(flag.reports) - 10} more", inline=False)
    if not flag.is_open:
        when = discord.utils.format_dt(flag.decided_at or dt.datetime.now(dt.UTC), "R")
        value = f"{DECISION_LABEL.get(flag.status, flag.status)} by <@{flag.decided_by}> {when}"
        if flag.correction:
            value += f"\n**Corrected verdict: {md(rating_label(flag.correction.verdict))}**"
        if flag.decision_note:
            value += f"\n{md(flag.decision_note)}"
        embed.add_field(name="Decision", value=cut(value, FIELD_VALUE_MAX), inline=False)
    elif flag.status == "in_review":
        embed.add_field(name="Status", value=f"Being reviewed by <@{flag.taken_by}>", inline=False)
    embed.set_footer(text=f"flag #{flag.id} · answer #{a.id}")
    return fit(embed, keep=frozenset({"Decision"}))  # who decided and why outweighs the tenth report


QUEUE_TITLES = {"open": "Open flags", "mine": "Flags you decided or are deciding", "decided": "Decided flags"}


def queue_embed(
    flags: list[FlagView], total: int, *, which: str = "open", page: int = 1, per_page: int = 15
) -> discord.Embed:
    """/review: one field per flag. Each field gets an equal share of the 6000-character total and
    the claim and first reason are cut to fit it, so the links (the point of the list) are never
    what `fit` cuts."""
    embed = discord.Embed(title=f"{QUEUE_TITLES.get(which, 'Flags')}: {total}", colour=discord.Colour.gold())
    pages = page_count(total, per_page)
    if not flags:
        embed.description = (
            ("Nothing to review. 🎉" if which == "open" else "None.") if page == 1 else no_such_page(page, pages)
        )
        return embed
    embed.description = "Oldest first." if which == "open" else "Newest first."
    shown = flags[: FIELDS_MAX - 1]
    if total > len(shown):
        embed.set_footer(text=f"page {page} of {pages} · /review page:{min(page + 1, pages)} for more")
    fixed = len(embed.title or "") + len(embed.description) + len(embed.footer.text or "")
    share = (TOTAL_MAX - fixed - 10) // len(shown)
    for f in shown:
        links = []
        card = jump(f.guild_id, f.card_channel_id, f.card_message_id)
        if card:
            links.append(f"[review card]({card})")
        ans = answer_link(f.answer)
        if ans:
            links.append(f"[answer]({ans})")
        status = (
            ""
            if f.status == "open"
            else f" · being reviewed by <@{f.taken_by}>"
            if f.status == "in_review"
            else f" · {DECISION_LABEL.get(f.status, f.status)} by <@{f.decided_by}>"
        )
        flagged = f"flagged {discord.utils.format_dt(f.created_at, 'R')}"
        tail = f"{' · '.join([flagged, *links])}{'' if links else ' · no card posted (no review channel)'}{status}"
        name = cut(f"#{f.id} · {f.count} report{'s' if f.count != 1 else ''}", FIELD_NAME_MAX)
        # what is left for the quoted claim and the reason: "“" + claim + "”\n" + reason + "\n" + tail
        room = max(0, min(FIELD_VALUE_MAX, share - len(name)) - len(tail) - 4)
        claim_room = min(200, room // 2)
        first = f.reports[0].reason if f.reports else ""
        claim = cut(md(f.answer.claim), claim_room)
        reason = cut(md(first), min(300, room - len(claim)))
        embed.add_field(name=name, value=f"“{claim}”\n{reason}\n{tail}"[:FIELD_VALUE_MAX], inline=False)
    return fit(embed)


def sources_embed(page: SourcesPage, query: str | None) -> discord.Embed:
    title = f"Indexed articles matching “{query}”" if query else "Indexed articles"
    embed = discord.Embed(title=cut(title, TITLE_MAX), colour=discord.Colour.blurple())
    if not page.entries:
        embed.description = "No article matches." if query else "No article is indexed yet."
    lines = []
    for e in page.entries:
        bits = [b for b in (e.outlet, e.published, counted(e.passages, "passage")) if b]
        lines.append(f"• {_link(e.title or e.url or f'article {e.article_id}', e.url)}\n  {md(' · '.join(bits))}")
    if lines:
        embed.description = cut("\n".join(lines), DESCRIPTION_MAX)
    embed.set_footer(text=f"page {page.page + 1} of {page.pages} · {counted(page.total, 'article')}")
    return fit(embed)


def corrections_embed(
    rows: list[CorrectionView], total: int, *, page: int, per_page: int, revoked: bool
) -> discord.Embed:
    """/corrections list: one line per correction, with what revokes it."""
    pages = page_count(total, per_page)
    title = f"{'Revoked corrections' if revoked else 'Corrections in force'}: {total}"
    embed = discord.Embed(title=title, colour=discord.Colour.dark_grey() if revoked else discord.Colour.blurple())
    if not rows:
        embed.description = "None." if page == 1 else no_such_page(page, pages)
        return embed
    lines = []
    for c in rows:
        when = discord.utils.format_dt(c.created_at, "d")
        line = f"**#{c.id} · {md(rating_label(c.verdict))}** · “{md(cut(c.claim, 150))}” · <@{c.moderator_id}> {when}"
        if c.revoked_at:
            line += f" · revoked by <@{c.revoked_by}> {discord.utils.format_dt(c.revoked_at, 'R')}"
        lines.append(line)
    if not revoked:
        lines.append("\nTake one back with `/corrections revoke correction:N reason:…`.")
    embed.description = cut("\n".join(lines), DESCRIPTION_MAX)
    embed.set_footer(text=f"page {page} of {pages}")
    return fit(embed)


AUDIT_WORDS = {
    "approve": "marked an answer right",
    "correct": "corrected an answer",
    "dismiss": "dismissed a flag as not about accuracy",
    "setup": "changed the settings",
    "ingest": "ingested",
    "revoke": "revoked",
    "remove_article": "removed",
    "block_source": "blocked the source",
    "unblock_source": "unblocked the source",
    "add_feed": "added the feed",
    "remove_feed": "removed the feed",
    "pause_feed": "paused the feed",
    "resume_feed": "resumed the feed",
}


def audit_embed(entries: list[AuditEntry]) -> discord.Embed:
    """/audit: the latest moderator actions, newest first (`claimbot audit export` has them all)."""
    embed = discord.Embed(title="Latest moderator actions", colour=discord.Colour.dark_grey())
    if not entries:
        embed.description = "No moderator action yet."
        return embed
    lines = []
    for e in entries:
        what = AUDIT_WORDS.get(e.action, e.action)
        target = (
            e.target.replace("flag:", "flag #")
            .replace("correction:", "correction #")
            .replace("article:", "article #")
            .replace("feed:", "feed #")
            .replace("url:", "")
            .replace("domain:", "")
        )
        line = f"{discord.utils.format_dt(e.created_at, 'R')} <@{e.actor_id}> {what} · {md(cut(target, 100))}"
        if e.action == "correct" and e.after and e.after.get("verdict"):
            line += f" → {md(rating_label(str(e.after['verdict'])))}"
        if e.reason:
            line += f" · “{md(cut(e.reason, 120))}”"
        lines.append(line)
    embed.description = cut("\n".join(lines), DESCRIPTION_MAX)
    embed.set_footer(text="All of it: claimbot audit export --format csv|jsonl")
    return fit(embed)


WATCH_SIDE_TEXT = {
    WatchSide.SUPPORTS: ("🟢 New reporting supports a watched claim", discord.Colour.green()),
    WatchSide.CONFLICTS: ("🔴 New reporting conflicts with a watched claim", discord.Colour.red()),
}


def watch_embed(update: WatchUpdate) -> discord.Embed:
    """An update on a watched claim for the review channel: the claim, the side, the new passage
    with its source (outlet, title, date, link) or the fact-check, and the original answer."""
    title, colour = WATCH_SIDE_TEXT[update.side]
    w = update.watch
    lines = [f"**Claim:** {md(cut(w.claim, 500))}"]
    p = update.passage
    if p is not None:
        art = p.article
        quote = md(cut(balanced_quotes(" ".join(p.text.split())), 700))
        lines.append(f"> {quote}")
        said = p.attribution or p.speaker
        if said:
            lines.append(f"— {md(cut(said, 200))}")
        source = " · ".join(x for x in (art.outlet, art.published) if x)
        name = _link(art.title or art.url or "the article", art.url)
        lines.append(f"**Source:** {name}" + (f" · {md(source)}" if source else ""))
    if update.fact_check is not None:
        lines.append(fact_check_text(update.fact_check))
    link = jump(w.guild_id, update.answer_channel_id, update.answer_message_id)
    if link:
        lines.append(f"[Jump to the original answer]({link})")
    elif w.answer_id is not None:
        lines.append(f"Original answer #{w.answer_id} (private or no longer posted).")
    embed = discord.Embed(title=title, colour=colour, description=cut("\n".join(lines), DESCRIPTION_MAX))
    embed.set_footer(text=cut(f"watch #{w.id} · watched until {w.expires_at:%Y-%m-%d}", FOOTER_MAX))
    return fit(embed)
