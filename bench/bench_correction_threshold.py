"""Measure the similarity threshold above which a moderator's correction is shown for a new claim.

A correction made for claim A is shown on a later check of claim B in the same guild when
cos(embed(A), embed(B)) >= CLAIMBOT_CORRECTION_THRESHOLD. The pairs below are written by hand:
- paraphrase: B says the same thing as A in other words (the correction should be shown);
- related: same people or topic, a different claim (must not be shown: a wrong correction is
  worse than none);
- unrelated: a different topic.

    python bench/bench_correction_threshold.py          # prints the distributions and the choice

Uses the packaged embedding model (the one `ClaimIndex` uses by default); runs on CPU in seconds.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PARAPHRASE = [
    ("Pérez was killed", "Oscar Pérez is dead"),
    ("Pérez was killed", "pérez was killed!!"),
    ("Pérez was killed", "The police killed Pérez"),
    ("Oscar Pérez was killed by Venezuelan security forces", "Venezuelan forces killed Óscar Pérez"),
    (
        "The pilot who attacked the Supreme Court died in a police raid",
        "The helicopter pilot who attacked the court was killed in a raid",
    ),
    ("Maduro ordered the raid on El Junquito", "The El Junquito raid was ordered by Maduro"),
    ("The government says Pérez was a terrorist", "Venezuela's government called Pérez a terrorist"),
    ("Vaccines cause autism", "Vaccination leads to autism in children"),
    ("The moon landing was faked", "NASA faked the moon landing"),
    ("The Eiffel Tower is in Berlin", "The Eiffel Tower is located in Berlin"),
    ("5G towers spread the coronavirus", "Coronavirus is spread by 5G masts"),
    ("The election was stolen", "The election was rigged and stolen"),
    ("Drinking bleach cures COVID", "You can cure covid by drinking bleach"),
    ("The city banned cars downtown", "Cars are now banned in the city centre"),
    ("The minister resigned yesterday", "Yesterday the minister stepped down"),
    ("Einstein failed math in school", "Albert Einstein failed mathematics at school"),
    ("The Great Wall of China is visible from space", "You can see the Great Wall of China from space"),
    ("Humans only use 10 percent of their brains", "People use just 10% of their brain"),
    ("The company laid off half its staff", "Half of the company's employees were laid off"),
    ("The dam collapsed after heavy rain", "Heavy rain made the dam collapse"),
    ("Bananas are radioactive", "Bananas contain radiation"),
    ("The president was born in Kenya", "The president's birthplace is Kenya"),
    ("Pérez surrendered before he was shot", "Pérez had given himself up when they shot him"),
    ("Seven people died in the raid", "The raid left seven dead"),
]

RELATED = [  # same topic, another claim: the correction must not carry over
    ("Pérez was killed", "Pérez was arrested"),
    ("Pérez was killed", "Pérez escaped to Colombia"),
    ("Pérez was killed", "Pérez was not killed"),
    ("Oscar Pérez was killed by Venezuelan security forces", "Oscar Pérez stole a police helicopter"),
    ("Maduro ordered the raid on El Junquito", "Maduro condemned the raid on El Junquito"),
    ("Seven people died in the raid", "Two police officers died in the raid"),
    ("Vaccines cause autism", "Vaccines contain mercury"),
    ("The moon landing was faked", "The moon landing happened in 1969"),
    ("The Eiffel Tower is in Berlin", "The Eiffel Tower was built in 1889"),
    ("5G towers spread the coronavirus", "5G towers cause cancer"),
    ("The election was stolen", "The election had record turnout"),
    ("The minister resigned yesterday", "The minister was re-elected yesterday"),
    ("The company laid off half its staff", "The company doubled its staff"),
    ("The dam collapsed after heavy rain", "The dam was built in 1950"),
    ("The president was born in Kenya", "The president visited Kenya"),
    ("Einstein failed math in school", "Einstein won the Nobel prize"),
]

UNRELATED = [
    ("Pérez was killed", "The Eiffel Tower is in Berlin"),
    ("Vaccines cause autism", "The minister resigned yesterday"),
    ("The moon landing was faked", "Bananas are radioactive"),
    ("5G towers spread the coronavirus", "The dam collapsed after heavy rain"),
    ("The election was stolen", "Einstein failed math in school"),
    ("Seven people died in the raid", "The city banned cars downtown"),
    ("Maduro ordered the raid on El Junquito", "Humans only use 10 percent of their brains"),
    ("The company laid off half its staff", "The Great Wall of China is visible from space"),
    ("Drinking bleach cures COVID", "The president was born in Kenya"),
    ("The pilot who attacked the Supreme Court died in a police raid", "Bananas contain radiation"),
    ("Oscar Pérez is dead", "Cars are now banned in the city centre"),
    ("The government says Pérez was a terrorist", "NASA faked the moon landing"),
]


def similarities(embed, pairs, guard):
    a = embed([p[0] for p in pairs])
    b = embed([p[1] for p in pairs])
    sims = np.sum(a * b, axis=1)
    if guard is not None:  # the negation guard find_correction applies before the threshold
        sims = np.array([-1.0 if guard(x, y) else v for (x, y), v in zip(pairs, sims, strict=True)])
    return sims


def main() -> None:
    from claimbot.index.config import Settings
    from claimbot.index.review import negation_mismatch, normalise_claim
    from claimbot.index.search import shared_embedder

    settings = Settings()
    model = shared_embedder(settings.embed_model, settings.embed_batch_size, settings.torch_threads)
    embed = lambda texts: model.encode([normalise_claim(t) for t in texts])  # noqa: E731
    groups = {"paraphrase": PARAPHRASE, "related": RELATED, "unrelated": UNRELATED}
    for label, guard in (("raw cosine", None), ("with the negation guard", negation_mismatch)):
        print(f"== {label}")
        report(embed, groups, guard)


def report(embed, groups, guard) -> None:
    sims = {name: similarities(embed, pairs, guard) for name, pairs in groups.items()}
    for name, values in sims.items():
        q = np.percentile(values, [0, 25, 50, 75, 100])
        print(
            f"{name:10s} n={len(values):2d}  min {q[0]:.3f}  q1 {q[1]:.3f}  median {q[2]:.3f}  q3 {q[3]:.3f}  max {q[4]:.3f}"
        )
    negatives = np.concatenate([sims["related"], sims["unrelated"]])
    print("\nthreshold  paraphrases shown  related shown  unrelated shown")
    for t in np.arange(0.50, 0.96, 0.05):
        print(
            f"  {t:.2f}       {np.mean(sims['paraphrase'] >= t):6.0%}           "
            f"{np.mean(sims['related'] >= t):6.0%}         {np.mean(sims['unrelated'] >= t):6.0%}"
        )
    print("\nrelated pairs, most similar first (the risky ones):")
    order = np.argsort(-sims["related"])
    for i in order[:6]:
        print(f"  {sims['related'][i]:.3f}  {RELATED[i][0]!r} vs {RELATED[i][1]!r}")
    print("paraphrases, least similar first:")
    for i in np.argsort(sims["paraphrase"])[:6]:
        print(f"  {sims['paraphrase'][i]:.3f}  {PARAPHRASE[i][0]!r} vs {PARAPHRASE[i][1]!r}")
    print(f"\nhighest negative: {negatives.max():.3f}; lowest paraphrase: {sims['paraphrase'].min():.3f}\n")


if __name__ == "__main__":
    main()
