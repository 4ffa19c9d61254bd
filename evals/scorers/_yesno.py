"""Yes or no, read out of free text, with synonyms, negation and contradictions.

A yes/no word decides only where it answers: at the start of a clause ("No, there is…"), after an
answer cue ("the answer is no"), or ending a clause ("That is correct."). Elsewhere "no" is a
determiner ("there is no dog") and only counts as a negation. Both polarities deciding is
`contradictory`; hedges ("I'm not sure") with nothing decisive are `unparsed`.
"""

from __future__ import annotations

import re

from evals.scorers._text import ANSWER_CUE, Reading, clean_answer

YES_WORDS = frozenset(
    {"yes", "yeah", "yep", "yup", "yea", "true", "correct", "right", "affirmative", "certainly"}
    | {"definitely", "absolutely", "indeed", "sure", "exactly"}
)
NO_WORDS = frozenset({"no", "nope", "nah", "false", "incorrect", "wrong", "negative"})
# Words that decide only as a whole clause ("Right.", "Sure, …") or as a verdict ending one
# ("that's right", "it is correct"): "on the right" and "the correct answer" are no answers.
_CLAUSE_ONLY = frozenset({"right", "wrong", "sure", "indeed", "exactly", "certainly", "correct", "true"})
_VERDICT_VERBS = frozenset({"is", "are", "that's", "it's", "you're", "quite", "absolutely", "completely"})
_FLIPPED_BY_NOT = {"true": "no", "correct": "no", "right": "no", "false": "yes", "incorrect": "yes"}
_HEDGED_BY_NOT = frozenset({"sure", "certainly", "definitely", "absolutely", "exactly"})
# Words after which a yes/no word still answers: "I think yes", "I'd say no", "well, no".
_LEAD_INS = frozenset({"think", "say", "guess", "believe", "actually", "well", "oh", "so", "then"})
_NEGATORS = re.compile(
    r"\b(?:not|never|none|nothing|nobody|nowhere|neither|nor|cannot|no)\b|n't\b", re.IGNORECASE
)
_HEDGES = re.compile(
    r"\b(?:not\s+(?:sure|certain|clear)|unsure|uncertain|unclear|unknown|it\s+depends"
    r"|(?:can\s*not|can't|cannot|unable\s+to|impossible\s+to|hard\s+to|difficult\s+to)\s+"
    r"(?:tell|determine|say|know|be\s+determined|answer)"
    r"|(?:do\s+not|don't)\s+know|no\s+way\s+to\s+(?:tell|know))\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_CLAUSE_END = ".!?;:,\n)-–—"
_QUOTES = " \t\"'“”‘’*(["


def read_yes_no(answer: str, *, implicit_yes: bool = False) -> Reading:
    """ "yes", "no", or why neither; `implicit_yes` counts a plain statement as yes (POPE's rule)."""
    text = clean_answer(answer).lower()
    if not text:
        return Reading.failed("unparsed", "empty")
    cue_ends = {m.end() for m in ANSWER_CUE.finditer(text)}
    words = list(_WORD.finditer(text))
    decided: set[str] = set()
    for i, m in enumerate(words):
        word = m.group()
        if word not in YES_WORDS and word not in NO_WORDS:
            continue
        before = text[: m.start()].rstrip(_QUOTES)
        after = text[m.end() :].lstrip(_QUOTES)
        previous = words[i - 1].group() if i > 0 else ""
        following = words[i + 1].group() if i + 1 < len(words) else ""
        opens = not before or before[-1] in _CLAUSE_END or m.start() in cue_ends or previous in _LEAD_INS
        closes = not after or after[0] in _CLAUSE_END
        if previous == "not" and (word in _FLIPPED_BY_NOT or word in _HEDGED_BY_NOT):
            if closes or word in _FLIPPED_BY_NOT:
                polarity = _FLIPPED_BY_NOT.get(word)
                if polarity:
                    decided.add(polarity)
            continue
        if word in _CLAUSE_ONLY and not (closes and (opens or previous in _VERDICT_VERBS)):
            continue
        if not (opens or closes):
            continue  # "there is no dog": a determiner, not an answer
        polarity = "yes" if word in YES_WORDS else "no"
        if polarity == "yes" and following == "not":
            polarity = "no"  # "certainly not", "absolutely not"
        decided.add(polarity)
    if len(decided) == 2:
        return Reading.failed("contradictory", "both yes and no")
    if decided:
        return Reading(decided.pop(), how="yes/no word")
    if _HEDGES.search(text):
        return Reading.failed("unparsed", "hedged")
    if _NEGATORS.search(text):
        return Reading("no", how="negation")
    if implicit_yes:
        return Reading("yes", how="statement without negation")
    return Reading.failed("unparsed", "no yes/no word")
