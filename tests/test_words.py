"""Data-dependent words are computed: the number-word check over the documents' prose and
figure texts, and the rules in analysis.words, analysis.claims and analysis.appraisal
exercised on results whose data differ from today's (an erratum; a fourth later trial)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.prose import NUMBER_WORD_ALLOWED, typed_number_words

ROOT = Path(__file__).resolve().parent.parent
DOCS = ("report.qmd", "handout.qmd", "slides.qmd", "index.qmd")


@pytest.mark.parametrize("name", DOCS)
def test_no_number_word_is_typed_into_prose_or_figure_texts(name):
    offenders = typed_number_words(ROOT / name)
    assert not offenders, offenders


def test_every_allowed_phrase_has_a_reason():
    assert all(reason.strip() for reason in NUMBER_WORD_ALLOWED.values())
    assert len(NUMBER_WORD_ALLOWED) <= 12, "keep the allow-list short"


def test_the_number_word_check_fails_on_a_planted_count(tmp_path):
    bad = tmp_path / "bad.qmd"
    bad.write_text(
        "---\ntitle: x\n---\n\n"
        "Since then `{python} F.words(3)` trials; pooled, with only three trials, nothing is sure.\n\n"
        "The placebo period was a third as long, and both later trials were null.\n\n"
        "```{python}\n#| fig-alt: \"Forest plot: the two largest later trials sit near zero.\"\nf()\n```\n\n"
        "Tests are two-sided, and the post rests this on one trial of women.\n",
        encoding="utf-8")
    found = typed_number_words(bad)
    joined = "\n".join(found)
    assert len(found) == 3, found
    assert "three" in found[0] and "a third" in found[1] and "both" in found[1]
    assert "fig-alt" in found[2] and "two" in found[2]
    assert "two-sided" not in joined and "one trial" not in joined
