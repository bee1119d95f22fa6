"""Tweet normalisation and feature extraction, shared by training and inference.

Training (``scripts/train_triage.py``) and the shipped model call the very same functions, so
the features a weight was learned for are exactly the features inference looks up. Pure Python
and deterministic: no hashing with Python's salted ``hash()``, only dictionary keys.
"""

from __future__ import annotations

import html
import re
from itertools import chain, compress

# Normalisation is a few whole-text substitutions (fast, in C) and one findall.
_EMO_POS = r"[<>]?[:;=8x][\-o\*']?[\)\]dp3]+|[\(\[]+[\-o\*']?[:;=8]|<3+"
_EMO_NEG = r"[<>]?[:;=8][\-o\*']?[\(\[/\\|@]+|[\)\]]+[\-o\*']?[:;=8]|</3+"
# One pass for both kinds; the leading ``\s`` (the text is padded with a space) lets the regex
# engine skip straight to whitespace instead of testing a look-behind at every position.
_EMO = re.compile(rf"\s(?:({_EMO_POS})|{_EMO_NEG})(?=\s|$|[.,!?])")
_EMO_CHARS = frozenset(":;=<>()[]/\\|@")  # an emoticon has one of these, or is "xD"
_URL = re.compile(r"https?://\S+|www\.\S+")
_USER = re.compile(r"@\w+")
_NUM = re.compile(r"\d[\d.,:]*(?:st|nd|rd|th|am|pm|k|m|h|s)?")
_DIGIT = re.compile(r"\d")
_ELONGATED = re.compile(r"(\D)\1{2,}")
# Words are runs of Latin letters (ASCII and Latin-1/Extended, a plain range the regex engine
# tests quickly); text in other scripts is routed by language before it reaches the model.
_LETTER = "a-zA-Z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"
_TOKEN = re.compile(
    rf"[{_LETTER}]+(?:'[{_LETTER}]+)*|@USER|[!?]+|[.,;:]|[^\s\w#'\"()\[\]/\\*&%$+=<>|~^`-]"
)
_NEGATORS = frozenset(
    [
        "not",
        "no",
        "never",
        "nothing",
        "nobody",
        "none",
        "nor",
        "neither",
        "nowhere",
        "cannot",
        "cant",
        "dont",
        "doesnt",
        "didnt",
        "isnt",
        "arent",
        "wasnt",
        "werent",
        "wont",
        "wouldnt",
        "shouldnt",
        "couldnt",
        "hasnt",
        "havent",
        "hadnt",
        "aint",
        "without",
    ]
)
_CLAUSE_END = frozenset(".,;:!?")
_MARKERS = frozenset(("URL", "NUM", "EMOPOS", "EMONEG", "@USER"))
_SCOPE_END = _CLAUSE_END | {"!!", "??"}  # punctuation that ends a negation's reach


def tokens(text: str) -> list[str]:
    """Normalised tokens: lower case, URL, @USER, NUM, elongations cut to two letters.

    Emoticons become EMOPOS / EMONEG, emoji stay as themselves, hashtags lose the ``#``, and
    ``!``/``?`` runs are kept (they carry tone); other punctuation is kept only to end clauses.

    No token spans whitespace, so the text is split on it (in C) and each chunk ("nothing,",
    "@united:", ":)") is tokenised once and remembered: a tweet is mostly chunks seen before.
    """
    if "&" in text:
        text = html.unescape(text)
    chunks = text.lower().replace("\u2019", "'").split()
    try:
        return list(chain.from_iterable(map(_CHUNKS.__getitem__, chunks)))
    except KeyError:  # a chunk not seen before
        get = _CHUNKS.get
        return [tok for chunk in chunks for tok in (get(chunk) or _chunk(chunk))]


_CHUNKS: dict[str, tuple[str, ...]] = {}
_CHUNK_CACHE_LIMIT = 200_000


def _chunk(chunk: str) -> tuple[str, ...]:
    """The tokens of one lower-cased, whitespace-free chunk (remembered)."""
    toks = _common_chunk(chunk)
    if toks is None:
        toks = _split_chunk(chunk)
    if len(_CHUNKS) > _CHUNK_CACHE_LIMIT:
        _CHUNKS.clear()
    _CHUNKS[chunk] = toks
    return toks


def _common_chunk(chunk: str) -> tuple[str, ...] | None:
    """The commonest chunks without regexes: a link, and a word, @handle or #hashtag with
    trailing punctuation ("thanks!!", "@acme:", "#fail."). None: ask ``_split_chunk``.

    Gives exactly what ``_split_chunk`` gives (a test checks it on many chunks).
    """
    if chunk.startswith(("http://", "https://")) and not chunk.endswith("//"):
        return ("URL",)
    core = chunk.rstrip(".,!?;:")
    if not core.isascii():
        return None
    mark = core[:1]
    if mark == "@" or mark == "#":
        name = core[1:]
        if not name or not (name.isalpha() if mark == "#" else name.replace("_", "").isalnum()):
            return None
        head = ("@USER",) if mark == "@" else (_normalise(name),)
    elif core.isalpha() and mark != "x":  # "xd", "xp": maybe an emoticon
        head = (_normalise(core),)
    else:
        return None
    if len(core) == len(chunk):
        return head
    return head + tuple(map(_normalise, _TOKEN.findall(chunk[len(core) :])))


def _split_chunk(chunk: str) -> tuple[str, ...]:
    text = chunk
    if "http" in text or "www." in text:
        text = _URL.sub(" URL ", text)
    if "@" in text:
        text = _USER.sub(" @USER ", text)
    if not _EMO_CHARS.isdisjoint(text) or text.startswith("xd"):
        text = _EMO.sub(_emoticon, " " + text)
    if _DIGIT.search(text):
        text = _NUM.sub(" NUM ", text)
    return tuple(map(_normalise, _TOKEN.findall(text)))


def _emoticon(m: re.Match[str]) -> str:
    return " EMOPOS " if m.group(1) else " EMONEG "


def _normalise(tok: str) -> str:
    """Elongations cut to two ("soooo" → "soo", "!!!" → "!!")."""
    return _ELONGATED.sub(r"\1\1", tok) if len(tok) > 2 else tok


def unigrams(toks: list[str]) -> list[str]:
    """The tokens, negation-marked: ``good_NEG`` after "not" until the clause ends.

    Most tweets have no negation at all; they skip the per-token loop (a set test and a
    substring test, both in C).
    """
    if _NEGATORS.isdisjoint(toks) and "n't" not in " ".join(toks):
        return toks
    out: list[str] = []
    append = out.append
    negated = False
    for tok in toks:
        if tok in _SCOPE_END:
            negated = False
            append(tok)
        elif tok in _NEGATORS or tok.endswith("n't"):
            negated = True
            append(tok)
        elif negated and tok not in _MARKERS:
            append(tok + "_NEG")
        else:
            append(tok)
    return out


def bigrams(toks: list[str]) -> list[str]:
    """Plain (unmarked) bigrams, with sentence start ``<s>`` and end ``</s>``."""
    return list(map(" ".join, zip(["<s>", *toks], [*toks, "</s>"], strict=True)))


def word_features(toks: list[str]) -> list[str]:
    """Unigrams with negation marking (``good_NEG`` after "not") plus plain bigrams."""
    return unigrams(toks) + bigrams(toks)


def char_ngrams(word: str) -> list[str]:
    """Character 3- to 5-grams inside one padded word (``" good "`` → " go", "goo", ...)."""
    padded = " " + word + " "
    n = len(padded)
    return [padded[i : i + k] for k in (3, 4, 5) for i in range(n - k + 1)]


def has_char_ngrams(tok: str) -> bool:
    """Whether a token's character n-grams are features (a real word, not a marker or symbol)."""
    return tok[:1].isalpha() and tok not in _MARKERS


def char_words(toks: list[str]) -> list[str]:
    """The tokens whose character n-grams are features."""
    return list(filter(has_char_ngrams, toks))


# ---------------------------------------------------------------------------------------------
# Lexicon features: a small valence scorer in the spirit of VADER (negation flips a word,
# boosters strengthen it, a clause after "but" counts more), fed to the model as dense inputs.
# ---------------------------------------------------------------------------------------------

_BOOSTERS = frozenset(
    [
        "very",
        "so",
        "really",
        "extremely",
        "totally",
        "absolutely",
        "completely",
        "super",
        "too",
        "incredibly",
        "highly",
        "most",
        "much",
        "utterly",
        "seriously",
        "deeply",
    ]
)
LEXICON_FEATURES = ("lex_pos", "lex_neg", "lex_compound", "lex_npos", "lex_nneg", "lex_excl")


def _modified_scores(toks: list[str], lexicon: dict[str, float], negation: bool) -> list[float]:
    """Each lexicon word's valence, boosted, negated and weighed around "but" as it says."""
    where = list(compress(range(len(toks)), map(lexicon.__contains__, toks)))
    if "but" in toks:
        where = sorted(where + [i for i, t in enumerate(toks) if t == "but"])
    scores: list[float] = []
    after_but = False
    for i in where:
        tok = toks[i]
        if tok == "but":
            # What follows "but" outweighs what came before.
            scores = [v * 0.5 for v in scores]
            after_but = True
            continue
        val = lexicon[tok]
        window = toks[max(0, i - 3) : i]
        if window and window[-1] in _BOOSTERS:
            val += 0.3 if val > 0 else -0.3
        if negation:
            for t in window:
                if t in _NEGATORS or t.endswith("n't"):
                    val *= -0.74
                    break
        scores.append(val * 1.5 if after_but else val)
    return scores


def lexicon_features(toks: list[str], lexicon: dict[str, float]) -> tuple[float, ...]:
    """Dense valence features for one token list (same order as ``LEXICON_FEATURES``).

    ``lexicon`` maps a normalised token (including EMOPOS/EMONEG) to its valence. Only the
    tokens in the lexicon (and any "but") are visited.
    """
    negation = not _NEGATORS.isdisjoint(toks) or "n't" in " ".join(toks)
    if not negation and "but" not in toks and _BOOSTERS.isdisjoint(toks):
        # The common case: every lexicon word counts as it is.
        scores = list(map(lexicon.__getitem__, compress(toks, map(lexicon.__contains__, toks))))
    else:
        scores = _modified_scores(toks, lexicon, negation)
    pos = neg = 0.0
    npos = nneg = 0
    for v in scores:
        if v > 0:
            pos += v
            npos += 1
        elif v < 0:
            neg -= v
            nneg += 1
    excl = toks.count("!") + toks.count("!!")
    total = pos - neg
    if total:
        total += min(excl, 4) * 0.29 * (1 if total > 0 else -1)
    compound = total / (total * total + 15.0) ** 0.5
    return (
        pos / 4.0,
        neg / 4.0,
        compound,
        min(npos, 5) / 5.0,
        min(nneg, 5) / 5.0,
        min(excl, 3) / 3.0,
    )
