"""Words every front end shows: counts, the corpus summary, quotes cut by the sentence splitter."""

from __future__ import annotations

import pytest

from claimbot.bot.words import balanced_quotes, counted, coverage, ingest_summary, rating_label, searched
from claimbot.index.records import CorpusSummary, IngestReport


@pytest.mark.parametrize(
    ("passage", "shown"),
    [
        # the demo's own fragments: a quote's last sentence, and its first
        (
            "Let him surrender,” Aminta Pérez said in a third video.",
            "“Let him surrender,” Aminta Pérez said in a third video.",
        ),
        ("“Spare his life.", "“Spare his life.”"),
        ("“The terrorist attacked,” he said.", "“The terrorist attacked,” he said."),  # already whole
        ('"We are surrounded.', '"We are surrounded."'),
        ('we are surrounded," he said.', '"we are surrounded," he said.'),
        ("No quotation at all.", "No quotation at all."),
    ],
)
def test_a_passage_cut_out_of_a_quote_is_shown_with_its_marks_paired(passage, shown):
    assert balanced_quotes(passage) == shown


def test_counts_and_the_corpus_summary_read_as_words():
    assert (counted(1, "article"), counted(45, "passage"), counted(1200, "passage")) == (
        "1 article",
        "45 passages",
        "1,200 passages",
    )
    one = CorpusSummary(
        articles=1, passages=44, outlet_count=1, outlets=["Herald"], oldest="2018-01-15", newest="2018-01-15"
    )
    assert (
        coverage(one)
        == "Nothing in the corpus is about this claim. It holds 1 article (44 passages) from Herald, dated 2018-01-15."
    )
    many = CorpusSummary(
        articles=40, passages=900, outlet_count=7, outlets=["AP", "CNN"], oldest="2016-09-01", newest="2016-11-08"
    )
    assert coverage(many) == (
        "Nothing in the corpus is about this claim. It holds 40 articles (900 passages) from 7 outlets "
        "(AP, CNN, …), dated 2016-09-01 to 2016-11-08."
    )
    assert coverage(CorpusSummary(articles=0, passages=0)).startswith("The corpus is empty")
    # a collection that holds nothing, or only blocked sources: the corpus is not empty
    assert coverage(CorpusSummary(articles=0, passages=0, unsearched=1)) == (
        "Nothing could be searched: the collections searched hold no articles, or only articles from blocked "
        "sources (the corpus holds 1 article)."
    )
    assert searched(CorpusSummary(articles=0, passages=0)) == "Searched an empty corpus."
    assert searched(CorpusSummary(articles=0, passages=0, unsearched=3)) == (
        "Searched no articles: none in the collections searched, or only from blocked sources."
    )


def test_a_corrected_verdict_reads_as_the_scale_names_it():
    assert rating_label("mostly false") == "Mostly false" and rating_label("FALSE") == "False"
    assert rating_label("fake (old free text)") == "fake (old free text)"  # corrections made before the scale


def test_the_ingest_summary_groups_every_count_alike():
    """ "articles: 2653 added, … 347 unchanged …; 7,959 passages": only the passages were grouped."""
    report = IngestReport(added=2653, replaced=1200, unchanged=347, failed=1001, passages=7959, seconds=12.34)
    assert ingest_summary(report) == (
        "articles: 2,653 added, 1,200 replaced, 347 unchanged, 1,001 failed; 7,959 passages in 12.3 s"
    )
