"""Text helpers shared by the scorers that read an answer out of free text.

They undo the decoration chat models add around an answer (markdown, \\boxed{}, <answer> tags),
find explicit answer statements ("Answer: B", "the answer is 7"), and report what was read
as a `Reading`: a label, or why there is none (unparsed, contradictory, ambiguous).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BOXED = re.compile(r"\\boxed\{([^{}]*)\}")
_TAGS = re.compile(r"</?[A-Za-z_][\w-]*>")
_EMPHASIS = re.compile(r"\*\*|__|`+|(?<!\w)\*(?=\S)|(?<=\S)\*(?!\w)")
_SPACES = re.compile(r"\s+")
EDGE_PUNCT = " \t\n\r.,;:!?\"'“”‘’()[]"

# An explicit answer statement; what follows it is the answer. Longest alternatives first so
# "final answer is" wins over "answer".
ANSWER_CUE = re.compile(
    r"""\b(?:
        (?:the\s+)?(?:final|correct|right|best)\s+(?:answer|option|choice)
      | (?:my\s+)?answer
      | i\s+(?:would\s+|will\s+|'d\s+)?(?:choose|chose|pick|picked|select|selected|go\s+with|went\s+with)
      | my\s+choice
    )\b
    (?:\s+(?:is|would\s+be|will\s+be|should\s+be|=))?
    \s*[:=\-–]?\s*""",
    re.IGNORECASE | re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class Reading:
    """What an answer says: a label, or `failure` naming why none could be read."""

    label: str | None
    failure: str | None = None
    how: str = ""

    @classmethod
    def failed(cls, failure: str, how: str = "") -> Reading:
        return cls(None, failure, how)


def clean_answer(text: str) -> str:
    """Drop markdown emphasis, code ticks and XML-like tags; unwrap \\boxed{...}; trim."""
    text = _BOXED.sub(r"\1", text)
    text = _TAGS.sub(" ", text)
    text = _EMPHASIS.sub("", text)
    return text.strip()


def fold(text: str) -> str:
    """Case-folded, whitespace-collapsed, without surrounding punctuation: for comparing phrases."""
    return _SPACES.sub(" ", text.casefold()).strip(EDGE_PUNCT)


def phrase_pattern(phrase: str) -> str:
    """A regex for a phrase as whole words, any run of spaces between its words."""
    words = [re.escape(w) for w in phrase.split()]
    body = r"\s+".join(words)
    start = r"(?<!\w)" if phrase[:1].isalnum() or phrase[:1] == "_" else ""
    end = r"(?!\w)" if phrase[-1:].isalnum() or phrase[-1:] == "_" else ""
    return start + body + end
