"""Templated news-event pairs for two weaknesses the pilot model showed (issue 3):

* self-reports and reports of survival or death: "“We are alive and well,” X said in a video"
  conflicts with "X was killed" and supports "X survived"; a report that X was killed
  supports "X was killed" and conflicts with "X survived";
* pronoun reports of a death ("Reuters reported, citing two officials, that he had died"), with
  profile sentences ("X is an actor and a pilot") as on-topic neutral partners;
* casualty counts: "No one was injured" conflicts with "the attack injured dozens of people",
  also when the evidence sentence leaves the event implicit (as news sentences often do, the
  event being named in the sentence before).

Names, events and places are drawn from fixed lists (no evaluation data involved, and no
sentence of the demo article: the demo tests must not be memorised); every claim gets supports,
refutes and neutral partners so that the templates do not become label cues.

    python -m train.stance_events --out events.jsonl [--n 6000]
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from train.stance_data import SEED, P, stable_hash

PEOPLE = [
    ("Maria Gonzalez", "she"),
    ("Ahmed Hassan", "he"),
    ("Li Wei", "he"),
    ("Amina Yusuf", "she"),
    ("John Carter", "he"),
    ("Sofia Rossi", "she"),
    ("Ivan Petrov", "he"),
    ("Fatima Khan", "she"),
    ("Carlos Mendoza", "he"),
    ("Aisha Bello", "she"),
    ("Tomás Silva", "he"),
    ("Elena Popescu", "she"),
    ("Kwame Mensah", "he"),
    ("Yuki Tanaka", "she"),
    ("Omar Haddad", "he"),
    ("Grace Okafor", "she"),
    ("Diego Ramírez", "he"),
    ("Leila Nasser", "she"),
    ("Pavel Novak", "he"),
    ("Rosa Delgado", "she"),
    ("Samuel Osei", "he"),
    ("Nadia Karimi", "she"),
    ("Viktor Horvat", "he"),
    ("the rebel commander", "he"),
    ("the opposition leader", "she"),
    ("the former officer", "he"),
    ("the journalist", "she"),
    ("the militia leader", "he"),
    ("the activist", "she"),
]
GROUP = {"he": "he and his men", "she": "she and her team"}
WE_ALIVE = [
    "“We are alive and well,” {n} said in a video posted on social media.",
    "“Here I am, safe and sound,” {n} said.",
    "In a video released on Monday, {n} said {p} was still alive.",
    "{N} said that {g} had survived and were safe.",
    "“I am alive,” {n} wrote on Twitter hours after the raid.",
    "{N} appeared in a new video, unhurt, and said the fight would go on.",
    "{N}'s lawyer said {p} had survived the attack and was in hiding.",
    "Relatives said {n} had survived and was recovering in hospital.",
]
WAS_KILLED = [
    "{N} was killed in the assault, officials said.",
    "Authorities said {n} had died in the raid.",
    "{N}'s body was identified on Tuesday, the ministry said.",
    "State television reported that {n} had been killed.",
    "A government source said {n} was among the dead.",
    "{N} died of his wounds on Monday, his family said.",
]
UNRELATED_FATE = [
    "{N} was arrested at the border, police said.",
    "{N} has gone into hiding, aides said.",
    "{N} gave a speech to supporters on Sunday.",
    "{N} had been wanted by the government for months.",
    "{N} released a statement criticising the government.",
]
OUTLETS = [
    "Reuters",
    "the BBC",
    "Al Jazeera",
    "local media",
    "state television",
    "El País",
    "the AP",
    "a local newspaper",
]
SOURCES = [
    "a senior government official",
    "a police source",
    "two officials",
    "an unnamed military source",
    "a person close to the family",
    "security sources",
]
# reports that name the person only by a pronoun, as the second clause of a news sentence does
REPORTED_DEATH = [
    "{O} reported — citing {src} — that {p} had been killed.",
    "{O} reported, citing {src}, that {p} had died.",
    "According to {src}, {p} was killed in the raid.",
    "{O}, citing {src}, said {p} had been shot dead.",
]
PROFESSIONS = [
    "actor",
    "pilot",
    "lawyer",
    "former police officer",
    "teacher",
    "dog trainer",
    "engineer",
    "musician",
    "former soldier",
    "businessman",
    "doctor",
    "student leader",
]
PROFILE = [
    "{N} is a {j} and a {j2}.",
    "In addition to being a {j}, {N} is a {j2}.",
    "{N}, a former {j}, became known in {y}.",
    "{N} is wanted by the government for leading protests.",
    "{N} studied law before becoming a {j}.",
    "{N} has two children and lives in the capital.",
]
CLAIM_DEAD = ["{N} was killed.", "{N} is dead.", "{N} died in the assault.", "{N} was killed in the raid."]
CLAIM_ALIVE = ["{N} survived the assault.", "{N} is alive.", "{N} survived.", "{N} is still alive."]

EVENTS = [
    "helicopter attack",
    "bombing",
    "explosion",
    "fire",
    "shooting",
    "attack",
    "blast",
    "raid",
    "earthquake",
    "train crash",
    "storm",
    "grenade attack",
    "riot",
]
PLACES = [
    "the Supreme Court",
    "the parliament",
    "the Interior Ministry",
    "city hall",
    "the embassy",
    "a police station",
    "the central market",
    "the airport",
    "a school",
    "the stadium",
    "the presidential palace",
    "a hotel",
]
NONE_HURT = [
    "No one was injured in the {e} on {pl}.",
    "Nobody was hurt in the {e} on {pl}, officials said.",
    "The {e} on {pl} caused no casualties.",
    "Nobody was hurt and only a few windows were broken.",
    "Nobody was hurt, and damage to the building was minor.",
    "There were no casualties, police said.",
]
SOME_HURT = [
    "The {e} on {pl} injured {k} people.",
    "{K} people were injured in the {e} on {pl}.",
    "At least {k} people were hurt when the {e} struck {pl}.",
    "{K} people were wounded, police said.",
]
CLAIM_MANY = [
    "The {e} on {pl} injured dozens of people.",
    "Dozens of people were injured in the {e} on {pl}.",
    "The {e} on {pl} killed several people.",
    "Many people were hurt in the {e} on {pl}.",
]
CLAIM_NONE = [
    "Nobody was injured in the {e} on {pl}.",
    "No one was hurt in the {e} on {pl}.",
    "The {e} on {pl} caused no injuries.",
]
CLAIM_OTHER = [
    "The {e} on {pl} was carried out at night.",
    "The {e} on {pl} was condemned by the government.",
    "The {e} on {pl} was claimed by a rebel group.",
]
COUNTS = ["12", "17", "23", "30", "45", "five", "eight", "dozens of"]


def _cap(s: str) -> str:
    return s[0].upper() + s[1:]


def fate_pairs(rng: random.Random, n: int) -> list[dict]:
    out = []
    for _ in range(n):
        name, pron = rng.choice(PEOPLE)
        f = dict(n=name, N=_cap(name), p=pron, g=GROUP[pron])
        grp = "ev:fate:" + name
        alive, dead = rng.choice(WE_ALIVE).format(**f), rng.choice(WAS_KILLED).format(**f)
        other = rng.choice(UNRELATED_FATE).format(**f)
        c_dead, c_alive = rng.choice(CLAIM_DEAD).format(**f), rng.choice(CLAIM_ALIVE).format(**f)
        out += [
            P(c_dead, alive, "refutes", "events", grp),
            P(c_alive, alive, "supports", "events", grp),
            P(c_dead, dead, "supports", "events", grp),
            P(c_alive, dead, "refutes", "events", grp),
        ]
        out.append(P(rng.choice([c_dead, c_alive]), other, "neutral", "events", grp))
    return out


def report_pairs(rng: random.Random, n: int) -> list[dict]:
    """Pronoun reports of a death, and profile sentences that decide nothing about it."""
    out = []
    for _ in range(n):
        name, pron = rng.choice(PEOPLE)
        j, j2 = rng.sample(PROFESSIONS, 2)
        f = dict(
            n=name,
            N=_cap(name),
            p=pron,
            O=_cap(rng.choice(OUTLETS)),
            src=rng.choice(SOURCES),
            j=j,
            j2=j2,
            y=rng.choice(["2015", "2017", "2019"]),
        )
        grp = "ev:report:" + name
        rep, prof = rng.choice(REPORTED_DEATH).format(**f), rng.choice(PROFILE).format(**f)
        c_dead, c_alive = rng.choice(CLAIM_DEAD).format(**f), rng.choice(CLAIM_ALIVE).format(**f)
        out += [
            P(c_dead, rep, "supports", "events", grp),
            P(c_alive, rep, "refutes", "events", grp),
            P(c_dead, prof, "neutral", "events", grp),
            P(c_alive, prof, "neutral", "events", grp),
        ]
    return out


def casualty_pairs(rng: random.Random, n: int) -> list[dict]:
    out = []
    for _ in range(n):
        e, pl, k = rng.choice(EVENTS), rng.choice(PLACES), rng.choice(COUNTS)
        f = dict(e=e, pl=pl, k=k, K=_cap(k))
        grp = f"ev:hurt:{e}:{pl}"
        none, some = rng.choice(NONE_HURT).format(**f), rng.choice(SOME_HURT).format(**f)
        c_many, c_none = rng.choice(CLAIM_MANY).format(**f), rng.choice(CLAIM_NONE).format(**f)
        out += [
            P(c_many, none, "refutes", "events", grp),
            P(c_none, none, "supports", "events", grp),
            P(c_none, some, "refutes", "events", grp),
        ]
        if "dozens" in c_many and k == "dozens of" or "many" in c_many.lower() and k not in ("five", "eight"):
            out.append(P(c_many, some, "supports", "events", grp))
        out.append(P(rng.choice(CLAIM_OTHER).format(**f), rng.choice([none, some]), "neutral", "events", grp))
    return out


def build(n: int, seed: int = SEED + 7, version: int = 2) -> list[dict]:
    rng = random.Random(seed)
    pairs = fate_pairs(rng, n // 10) + casualty_pairs(rng, n // 8)
    if version >= 2:
        pairs += report_pairs(random.Random(seed + 1), n // 8)
    seen, out = set(), []
    for p in pairs:
        k = (p["claim"], p["evidence"])
        if k in seen:
            continue
        seen.add(k)
        p["split"] = (
            "dev" if stable_hash("dev|" + p["source"] + "|" + p["claim"] + p["evidence"]) % 1000 < 40 else "train"
        )
        out.append(p)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--n", type=int, default=6000)
    ap.add_argument("--version", type=int, default=2, help="1: fates and casualties; 2: also pronoun reports")
    a = ap.parse_args(argv)
    pairs = build(a.n, version=a.version)
    with open(a.out, "w", encoding="utf-8") as f:
        for p in pairs:
            p.pop("group", None)
            f.write(json.dumps(p, ensure_ascii=False) + "\n")
    from collections import Counter

    print(len(pairs), Counter((p["label"], p["split"]) for p in pairs))


if __name__ == "__main__":
    main()
