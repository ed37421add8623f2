"""Word lists the detail rules of index/factchecks/match.py read: opposites, relations with two
sides, durations, acronyms, and the names of countries in the languages the pairs hold.

Words are compared lower-cased and without accents ("redujo", "legalizo"), as `match._plain`
writes them. Each list holds only words that mean one thing across English, Spanish, Portuguese,
French and German: "mas" (Spanish "more", Portuguese "but") and "plus" are left out.
"""

from __future__ import annotations

BAN = (
    "ban bans banned banning prohibit prohibits prohibited outlaw outlawed prohibio prohibe"
    " proibiu proibe interdit verboten verbietet"
)
LIFT = (
    "lift lifts lifted lifting legalize legalized legalise legalised allow allows allowed approve"
    " approves approved unban unbanned permitio permite legalizo aprobo autorizo liberou aprovou"
    " autorise erlaubt erlaubte"
)
# Pairs of opposite sides. A claim that takes one side where the claim reviewed takes the other
# (and neither also takes the first) is its opposite, with no negation word: "coffee RAISES liver
# cancer risk" against "... lowers the risk".
OPPOSITES: tuple[tuple[frozenset[str], frozenset[str]], ...] = tuple(
    (frozenset(a.split()), frozenset(b.split()))
    for a, b in (
        (
            "raise raises raised raising increase increases increased increasing rise rises rose risen"
            " rising boost boosts boosted hike hikes hiked higher highest"
            " sube subio suben subieron subira aumenta aumento aumentaron aumentara alza eleva elevo"
            " aumentou subiu aumenta aumentara hausse augmente augmentent augmentera steigt stieg"
            " gestiegen erhoht erhohen hoher",
            "lower lowers lowered lowering cut cuts cutting reduce reduces reduced reducing decrease"
            " decreases decreased decreasing fall falls fell fallen falling drop drops dropped slash"
            " slashed lowest fewer bajan bajaron bajara redujo reducen reducira disminuyo disminuye"
            " disminuira recorta recorto recortara cae cayo caera diminuiu reduziu reduz corta cortou"
            " caiu baisse diminue reduit sinkt sank senkt gesunken gesenkt niedriger",
        ),
        (BAN, LIFT),
        (
            "win wins won winning beat beats victory gano ganaron ganhou vencio vence venceu derroto derrotou"
            " gagne gewann gewonnen",
            "lose loses lost losing defeat perdio perdieron pierde perdeu perdu verlor verloren",
        ),
        (
            "opened reopen reopens reopened reopening abrio reabrio rouvre eroffnet",
            "closed shut shuts shutdown cerro fechou ferme geschlossen",
        ),
        (
            "legal lawful constitutional legale legaux rechtmassig",
            "illegal unlawful unconstitutional ilegal illegale inconstitucional illegaux rechtswidrig",
        ),
        ("safe safer safest seguro segura", "unsafe dangerous deadlier peligroso peligrosa"),
        ("cheaper cheapest barato barata", "expensive costlier pricier caro cara"),
        ("guilty convicted condenado condenada culpable", "innocent acquitted absuelto absuelta inocente"),
        (
            "support supports supported backs backed favor favour apoya apoyo",
            "oppose opposes opposed rejects rejected reject vetoed veto rechaza rechazo",
        ),
        (
            "cure cures cured prevent prevents prevented protect protects",
            "cause causes caused causing provoca provoco causa",
        ),
        ("gain gains gained growth grew grow grows", "loss losses shrank shrink shrinks contracted"),
        ("join joins joined", "quit quits exit exits exited withdrew withdraws withdraw withdrawn"),
        ("hire hires hired hiring", "fired layoffs"),
        ("surge surged soared soars", "plunge plunged plummeted slump"),
        ("bought buys acquired acquires compro adquirio", "sold sells vendio"),
        ("hottest warmest", "coldest coolest"),
        # a tax, a law, a plan brought in or done away with
        (
            "introduce introduces introduced introducing impose imposes imposed create creates created"
            " creo crea creara introdujo impuso impone introduziu criou cria instaure instaurer einfuhren"
            " eingefuhrt",
            "scrap scraps scrapped scrapping abolish abolishes abolished axed axes elimina elimino eliminara"
            " suprime suprimio deroga derogo aboliu extingue supprime abolit abgeschafft schafft",
        ),
        (
            "broke severed rompio rompe rompera rompeu rompt",
            "restored restores restore resumed restablecio restablece reanudo restabeleceu retablit",
        ),
        (
            "lose loses lost losing perder perdio pierde perdera perdeu perd verliert",
            "recover recovers recovered regain regained recuperar recupero recupera recuperou",
        ),
    )
)
BANNING, LIFTING = frozenset(BAN.split()), frozenset(LIFT.split())
# "lifted the ban", "repeals its smoking ban": the ban these verbs govern is the other side.
UNDOING = frozenset(
    "lift lifts lifted lifting repeal repeals repealed scrap scraps scrapped overturn overturned overturns"
    " reverse reversed reverses revoke revoked rescind rescinded struck strikes abolish abolished cancel"
    " cancelled canceled levanto levanta derogo deroga".split()
)

# A word between two named sides that makes their order the claim: "India beat Australia", "Drake
# is suing Kendrick", "coal is cheaper than solar". Words of speech ("X said Y") are not.
RELATIONS = frozenset(
    "beat beats defeated defeats sued sues suing sue lawsuit attacked attacks invaded invades bought"
    " buys acquired acquires overtook overtakes vs versus against than lost lose loses defeat blamed blames"
    " accused accuses"
    " sanctioned fined hacked sold vencer vencio vence venceu derroto derrota derrotou demando demanda processou"
    " ataco ataca invadio invade invadiu compro adquirio acuso acusa acusou sanciono multo contra rompio broke perdio perdieron perdeu ante"
    " battu poursuit attaque envahi schlug verklagt".split()
)
SPEECH = frozenset(
    "said says say claims claimed claim announced announces told tweeted posted reported reports"
    " according dijo afirma afirmo anuncio dice disse diz declaro declared insists insisted warned"
    " warns admitted admits denied denies stated states confirmed confirms".split()
)
PASSIVE = frozenset("by got gets getting was were been from faces faced".split())

# Words before an amount that make it a bound: "more than 25,000" is not "fewer than 25,000".
AT_LEAST = (
    "more than", "over", "above", "at least", "mas de", "al menos", "mais de", "pelo menos", "plus de", "au moins",
    "mehr als", "mindestens",
)  # fmt: skip
AT_MOST = ("fewer than", "less than", "under", "below", "at most", "up to", "menos de", "moins de", "weniger als")

# Units of a duration stated with a number ("six WEEK ceasefire", "seis meses"), in days.
DURATIONS: dict[str, float] = {
    word: days
    for days, words in {
        1 / 24: "hour hours hora horas heure heures stunde stunden",
        1: "day days dia dias jour jours tag tage tagen",
        7: "week weeks semana semanas semaine semaines woche wochen",
        30.4: "month months mes meses mois monat monate monaten",
        365: "year years ano anos ans annee annees jahr jahre jahren",
    }.items()
    for word in words.split()
}
NUMBER_WORDS: dict[str, int] = {
    word: value
    for value, words in {
        1: "one uno una un une um uma ein eine", 2: "two dos deux duas zwei", 3: "three tres trois drei",
        4: "four cuatro quatre quatro vier", 5: "five cinco cinq funf", 6: "six seis sechs",
        7: "seven siete sept sete sieben", 8: "eight ocho huit oito acht", 9: "nine nueve neuf nove neun",
        10: "ten diez dix dez zehn", 12: "twelve doce douze zwolf", 15: "fifteen quince quinze",
        20: "twenty veinte vingt", 30: "thirty treinta trente",
    }.items()
    for word in words.split()
}  # fmt: skip

# Capitalised words of two to five letters that social posts shout rather than abbreviate.
SHOUTED = frozenset(
    "breaking lol omg wow fake news not no yes all new now just true false wtf smh fr ngl tbh imo rn"
    " btw pls plz big huge real the and for this that is it its are was who what why how did does"
    " alert urgent never ever every more less most free dead died war ban win won lost cut up down"
    " mil via de la el en y los las dr mr ms vax ceo pm fy gdp pib ai ia tv ok usd eur lmao lmfao"
    " rip fyi aka vs jk af irl dm ppl govt gov nyc dc et le a o u i uk us eu un stop back king"
    " wake read yet only sure kill kills scam lie lies hoax jab shot cure cures bad good best worst same"
    " again still also even much many huge poll".split()
)
# An acronym as another language writes it: "OMS" is "WHO", "EE.UU." is "US".
ACRONYMS = {"eeuu": "us", "ee": "us", "uu": "us", "ue": "eu", "oms": "who", "onu": "un", "otan": "nato",
            "cpi": "icc", "fmi": "imf", "bce": "ecb", "omc": "wto", "opep": "opec"}  # fmt: skip

# Country names the Unicode CLDR (through Babel) does not give in these forms.
COUNTRY_ALIASES = {
    "usa": "US", "america": "US", "eeuu": "US", "ee uu": "US", "uk": "GB", "britain": "GB",
    "great britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB",
    "holland": "NL", "czech republic": "CZ", "ivory coast": "CI", "burma": "MM", "uae": "AE",
    "drc": "CD", "dr congo": "CD", "democratic republic of the congo": "CD", "republic of the congo": "CG",
    "nz": "NZ",
}  # fmt: skip
# Names that are also common words or first names; they count as countries only when capitalised.
COUNTRY_WORDS = frozenset("jersey turkey china guinea niger mali togo oman cuba chile".split())
# Names never read as a country: a US state, first names, a word of another language.
NOT_COUNTRIES = frozenset("georgia jordan chad congo".split())
# Regions: read as names so that "Latin America" is not "America", but not countries.
REGIONS = frozenset(
    {"latin america", "america latina", "south america", "north america", "central america", "sudamerica",
     "new mexico", "new jersey", "new south wales", "new england"}
)  # fmt: skip
