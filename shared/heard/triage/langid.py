"""Cheap language identification: the platform's hint first, then script, then stopwords.

Good enough to decide one thing: is this English (the language the model knows)? A short text
with no evidence either way counts as English, so "@acme down again" is not lost.
"""

from __future__ import annotations

import re

SUPPORTED = frozenset({"en"})
_UNDETERMINED = frozenset({"", "und", "zxx", "qme", "qht", "qam", "qct", "qst", "art"})

_STOPWORDS: dict[str, frozenset[str]] = {
    lang: frozenset(words.split())
    for lang, words in {
        "en": "the and is are you your my to of for it this that with not was have has be "
        "what why how i me we they but just on in at so can don't can't it's i'm "
        "no our from by all if or will there out up about been get got had made",
        "es": "el la los las de del que y en un una por para con no es mi su al lo pero más "
        "muy ya está este esta son como qué porque tengo hay",
        "fr": "le la les de des du et est un une pour pas que qui dans sur avec je mon ma mes "
        "ne ce cette c'est vous nous très mais",
        "de": "der die das und ist nicht ein eine ich mit von zu den dem auf für sich auch "
        "es sie wir mein meine bei noch wie aber",
        "pt": "o a os as de do da que e em um uma para com não é meu minha por mais muito "
        "está são mas isso você",
        "it": "il lo la gli le di del della che e è un una per con non mi ma sono questo "
        "molto anche come",
        "nl": "de het een en van is niet ik dat die op te met voor zijn maar ook mijn je wat nog",
        "tr": "ve bir bu da de için ile çok ne ama gibi daha ben sen var yok değil",
        "id": "dan yang di ini itu dengan untuk tidak saya ada dari ke akan juga sudah",
    }.items()
}
# word → the languages it is a stopword of
_INDEX: dict[str, tuple[str, ...]] = {}
for _lang, _words in _STOPWORDS.items():
    for _w in _words:
        _INDEX[_w] = (*_INDEX.get(_w, ()), _lang)
_SCRIPTS: list[tuple[str, re.Pattern[str]]] = [
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("ko", re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")),
    ("zh", re.compile(r"[\u4e00-\u9fff]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
    ("he", re.compile(r"[\u0590-\u05ff]")),
    ("el", re.compile(r"[\u0370-\u03ff]")),
    ("th", re.compile(r"[\u0e00-\u0e7f]")),
    ("hi", re.compile(r"[\u0900-\u097f]")),
]
_NON_LATIN = re.compile(
    r"[\u0370-\u03ff\u0400-\u04ff\u0590-\u06ff\u0900-\u097f\u0e00-\u0e7f"
    r"\u1100-\u11ff\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]"
)
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_NOISE = re.compile(r"https?://\S+|www\.\S+|[@#]\w+")
# Punctuation and digits become spaces, so ``str.split`` (in C) yields the words.
_SEPARATORS = str.maketrans(
    dict.fromkeys(
        '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~0123456789\u00a1\u00bf\u00ab\u00bb\u201c\u201d'
        "\u2018\u2026\u2013\u2014",
        " ",
    )
)
# word → the languages other than English it is a stopword of
_OTHER: dict[str, tuple[str, ...]] = {
    w: tuple(lang for lang in langs if lang != "en")
    for w, langs in _INDEX.items()
    if langs != ("en",)
}


def normalise_hint(hint: str | None) -> str | None:
    """``en-GB`` → ``en``; undetermined codes (``und``) → None."""
    if not hint:
        return None
    code = hint.strip().lower().replace("_", "-").split("-")[0]
    return None if code in _UNDETERMINED else code


def _without_noise(text: str) -> str:
    """The text without links, @handles and #hashtags (they say nothing of the language)."""
    if "@" in text or "#" in text or "http" in text or "www." in text:
        return _NOISE.sub(" ", text)
    return text


def detect(text: str, hint: str | None = None, words: list[str] | None = None) -> str:
    """An ISO 639-1 code for ``text``; the platform's hint wins when it names a language.

    ``words``: the text's lower-cased words when the caller has them already (the model's
    tokens); otherwise the text is split here, without links, handles and hashtags.
    """
    code = normalise_hint(hint)
    if code:
        return code
    if not text.isascii():
        clean = _without_noise(text)
        if _NON_LATIN.search(clean) and len(_NON_LATIN.findall(clean)) > len(_LATIN.findall(clean)):
            counts = [(len(p.findall(clean)), lang) for lang, p in _SCRIPTS]
            # Kana marks Japanese even amid Han characters.
            if counts[0][0]:
                return "ja"
            return max(counts)[1]
    if words is None:
        words = _without_noise(text).lower().replace("\u2019", "'").translate(_SEPARATORS).split()
    # Another language needs two of its stopwords; most texts do not have two of any.
    other = [_OTHER[w] for w in words if w in _OTHER]
    if sum(map(len, other)) < 2:
        return "en"
    scores = dict.fromkeys(_STOPWORDS, 0)
    index = _INDEX
    for w in words:
        if w in index:
            for lang in index[w]:
                scores[lang] += 1
    english = scores.pop("en")
    best, best_score = max(scores.items(), key=lambda kv: (kv[1], kv[0]))
    if best_score >= 2 and best_score > english * 1.5 + 0.5:
        return best
    return "en"


def supported(lang: str) -> bool:
    return lang in SUPPORTED
