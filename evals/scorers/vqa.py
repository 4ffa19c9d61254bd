"""VQAv2 accuracy as the official evaluation computes it (GT-Vision-Lab/VQA `vqaEval.py`).

Default: the script at master (commit a013f00, March 2021, "Fixed processing answers bug"). The
answer and the human answers get newlines/tabs to spaces and a strip; when the human answers are
then all identical, the answer is compared with them RAW (no other processing at all); otherwise
punctuation and digit/article processing are applied to the human answers and to the answer
alike. Each subset leaving one annotator out scores min(1, matches / 3); the mean over the
subsets is the accuracy. `variant: vqaeval-2017` is the script as it stood from October 2016
until that fix (commit 458a8b2, the one shipped with VQA v2.0). Quirks of both are kept on
purpose and named where they are reproduced; tests/scorers/golden/ proves agreement.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from pydantic import Field

from evals.scoring import Metric, SampleScore, ScorerOptions, TextScorer

# Characters processPunctuation handles. The list has been the same since July 2015 (commit
# 13cbf5e): ':' and "'" are not in it, '-', '!', '{' and '}' are.
_PUNCT = (
    ";",
    "/",
    "[",
    "]",
    '"',
    "{",
    "}",
    "(",
    ")",
    "=",
    "+",
    "\\",
    "_",
    "-",
    ">",
    "<",
    "@",
    "`",
    ",",
    "?",
    "!",
)
_PUNCT_SET = frozenset(_PUNCT)
_DIGIT_COMMA = re.compile(r"\d,\d")
# The reference writes "(?!<=\d)(\.)(?!\d)": its first group is a look-ahead that can never fail
# in front of a '.', so only "a period not followed by a digit" is left.
_PERIOD = re.compile(r"\.(?!\d)")
# The reference passes re.UNICODE (== 32) where Pattern.sub expects `count`: at most 32 periods go.
_PERIOD_LIMIT = 32

_NUMBER_WORDS = {
    "none": "0",
    "zero": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
}
_ARTICLES = frozenset({"a", "an", "the"})

# The reference's contraction table, one "written restored" pair per line. Its entries that can
# never fire are left out: keys with capitals (answers are lower-cased first) and identities.
_CONTRACTION_PAIRS = """
aint ain't|arent aren't|cant can't|couldve could've|couldnt couldn't|couldn'tve couldn't've
couldnt've couldn't've|didnt didn't|doesnt doesn't|dont don't|hadnt hadn't|hadnt've hadn't've
hadn'tve hadn't've|hasnt hasn't|havent haven't|hed he'd|hed've he'd've|he'dve he'd've|hes he's
howd how'd|howll how'll|hows how's|isnt isn't|itd it'd|itd've it'd've|it'dve it'd've|itll it'll
maam ma'am|mightnt mightn't|mightnt've mightn't've|mightn'tve mightn't've|mightve might've
mustnt mustn't|mustve must've|neednt needn't|notve not've|oclock o'clock|oughtnt oughtn't
ow's'at 'ow's'at|'ows'at 'ow's'at|'ow'sat 'ow's'at|shant shan't|shed've she'd've|she'dve she'd've
shouldve should've|shouldnt shouldn't|shouldnt've shouldn't've|shouldn'tve shouldn't've
somebody'd somebodyd|somebodyd've somebody'd've|somebody'dve somebody'd've|somebodyll somebody'll
somebodys somebody's|someoned someone'd|someoned've someone'd've|someone'dve someone'd've
someonell someone'll|someones someone's|somethingd something'd|somethingd've something'd've
something'dve something'd've|somethingll something'll|thats that's|thered there'd
thered've there'd've|there'dve there'd've|therere there're|theres there's|theyd they'd
theyd've they'd've|they'dve they'd've|theyll they'll|theyre they're|theyve they've|twas 'twas
wasnt wasn't|wed've we'd've|we'dve we'd've|weve we've|werent weren't|whatll what'll|whatre what're
whats what's|whatve what've|whens when's|whered where'd|wheres where's|whereve where've|whod who'd
whod've who'd've|who'dve who'd've|wholl who'll|whos who's|whove who've|whyll why'll|whyre why're
whys why's|wont won't|wouldve would've|wouldnt wouldn't|wouldnt've wouldn't've
wouldn'tve wouldn't've|yall y'all|yall'll y'all'll|y'allll y'all'll|yall'd've y'all'd've
y'alld've y'all'd've|y'all'dve y'all'd've|youd you'd|youd've you'd've|you'dve you'd've
youll you'll|youre you're|youve you've
"""


def _pairs(table: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in table.replace("\n", "|").split("|"):
        if pair:
            written, restored = pair.split(" ")
            out[written] = restored
    return out


_CONTRACTIONS = _pairs(_CONTRACTION_PAIRS)


@lru_cache(maxsize=65536)
def process_punctuation(text: str) -> str:
    """vqaEval.processPunctuation: drop or space out punctuation, drop periods not before a digit.

    A mark touching a space is dropped, otherwise it becomes a space; when the text holds a digit,
    comma, digit anywhere, every mark is dropped. Both tests look at the text as it came in.
    """
    present = _PUNCT_SET.intersection(text)
    if not present and "." not in text:
        return text
    # Each mark is handled on its own and both tests read the original text, so order is free.
    drop_all = "," in text and _DIGIT_COMMA.search(text) is not None
    out = text
    for mark in present:
        if drop_all or (mark + " ") in text or (" " + mark) in text:
            out = out.replace(mark, "")
        else:
            out = out.replace(mark, " ")
    return _PERIOD.sub("", out, count=_PERIOD_LIMIT)


@lru_cache(maxsize=65536)
def process_digit_article(text: str) -> str:
    """vqaEval.processDigitArticle: lower-case, number words to digits, no articles, contractions."""
    words: list[str] = []
    for word in text.lower().split():
        word = _NUMBER_WORDS.get(word, word)
        if word not in _ARTICLES:
            words.append(_CONTRACTIONS.get(word, word))
    return " ".join(words)


def clean(text: str) -> str:
    """Newlines and tabs to spaces, then strip: the only step vqaEval applies to every string."""
    return text.replace("\n", " ").replace("\t", " ").strip()


def process_answer(text: str) -> str:
    """Everything vqaEval may apply to an answer: clean, punctuation, digits/articles."""
    return process_digit_article(process_punctuation(clean(text)))


def consensus_accuracy(answer: str, references: Sequence[str]) -> float:
    """Mean over leave-one-out subsets of min(1, matches among the others / 3), in reference order."""
    total = len(references)
    matches = sum(1 for ref in references if ref == answer)
    per_subset = [min(1.0, (matches - (ref == answer)) / 3) for ref in references]
    return sum(per_subset) / total


Variant = Literal["vqaeval", "vqaeval-2017"]
ReferenceProcessing = Literal["official", "full"]


def compared_forms(
    prediction: str,
    references: Sequence[str],
    variant: Variant = "vqaeval",
    reference_processing: ReferenceProcessing = "official",
) -> tuple[str, list[str]]:
    """The answer and the human answers in the form the script compares them."""
    if reference_processing == "full":
        return process_answer(prediction), [process_answer(r) for r in references]
    if variant == "vqaeval-2017":
        # 2016-2021: the answer always gets the whole processing; the human answers are not
        # cleaned, and get processPunctuation only, and only when they disagree as written.
        if len(set(references)) > 1:
            return process_answer(prediction), [process_punctuation(r) for r in references]
        return process_answer(prediction), list(references)
    # Master: clean everything; if the cleaned human answers agree, compare raw.
    cleaned = [clean(r) for r in references]
    if len(set(cleaned)) > 1:
        return process_answer(prediction), [process_digit_article(process_punctuation(r)) for r in cleaned]
    return clean(prediction), cleaned


@dataclass(frozen=True, slots=True)
class VQAResult:
    accuracy: float
    answer: str  # the answer as compared
    matches: int  # human answers equal to it
    rule: Literal["consensus", "match_any"]


def vqa_accuracy(
    prediction: str,
    references: Sequence[str],
    *,
    variant: Variant = "vqaeval",
    reference_processing: ReferenceProcessing = "official",
    consensus_min_references: int = 10,
) -> VQAResult:
    """VQA accuracy of one answer. With fewer than `consensus_min_references` human answers
    (ours: the leave-one-out needs several), the answer is right when it equals any of them,
    both fully processed."""
    if len(references) < consensus_min_references:
        answer = process_answer(prediction)
        processed = [process_answer(r) for r in references]
        matches = sum(1 for ref in processed if ref == answer)
        return VQAResult(1.0 if matches else 0.0, answer, matches, "match_any")
    answer, processed = compared_forms(prediction, references, variant, reference_processing)
    matches = sum(1 for ref in processed if ref == answer)
    return VQAResult(consensus_accuracy(answer, processed), answer, matches, "consensus")


class VQAOptions(ScorerOptions):
    variant: Variant = Field(
        "vqaeval",
        description="vqaeval: the official script at master (2021 fix); vqaeval-2017: the script "
        "before it (2016-2021), for comparison with papers scored by it",
    )
    reference_processing: ReferenceProcessing = Field(
        "official",
        description="official: human answers processed as the chosen script does; full: every "
        "human answer gets the whole answer processing (for raw-text references)",
    )
    consensus_min_references: int = Field(
        10,
        ge=1,
        description="fewest references for the leave-one-out consensus; with fewer, an answer is "
        "right (1.0) when it equals any processed reference",
    )


class VQAAccuracy(TextScorer):
    """VQAv2 accuracy: consensus with ten human answers, as the official vqaEval.py scores it."""

    name = "vqa_accuracy"
    Options = VQAOptions
    options: VQAOptions

    metric = Metric(
        name="vqa_accuracy",
        description="VQAv2 accuracy: min(1, matching humans / 3), averaged over the ten "
        "leave-one-out subsets of the references (official vqaEval.py)",
    )

    def score(
        self,
        prediction: str,
        targets: Sequence[str],
        *,
        choices: Sequence[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> SampleScore:
        if not targets:
            return SampleScore(
                {"vqa_accuracy": 0.0}, {"answer": process_answer(prediction)}, ("no_reference",)
            )
        result = vqa_accuracy(
            prediction,
            targets,
            variant=self.options.variant,
            reference_processing=self.options.reference_processing,
            consensus_min_references=self.options.consensus_min_references,
        )
        details = {
            "answer": result.answer,
            "n_references": len(targets),
            "rule": result.rule,
            "matches": result.matches,
        }
        return SampleScore({"vqa_accuracy": result.accuracy}, details)
