"""Shared check: digits in a document's prose must come from inline code."""
from __future__ import annotations

import re
from pathlib import Path

from render import qmd


_RAW_FENCE = re.compile(r"^\s*```\s*\{=\w+\}\s*$")


def prose_lines(text: str):
    """(index, line) of a Markdown chunk's lines, without the lines of raw blocks
    (```{=typst} ... ```: page layout for one output format, not prose)."""
    raw = False
    for i, line in enumerate(text.splitlines()):
        if raw:
            raw = not line.strip().startswith("```")
            continue
        if _RAW_FENCE.match(line):
            raw = True
            continue
        yield i, line


def typed_numbers(path: Path, allowed: tuple[str, ...] = ("95%",)) -> list[str]:
    """Lines of prose that contain a digit not produced by an inline expression.

    Ignored: inline `{python}` expressions, cross-reference labels and citation
    keys, years that name a study ("Younger 2013"), and the ``allowed`` strings."""
    doc = qmd.parse(path)
    offenders = []
    for chunk in doc.chunks:
        if not isinstance(chunk, qmd.Markdown):
            continue
        for i, line in prose_lines(chunk.text):
            t = re.sub(r"`\{python\}[^`]*`", "", line)
            t = re.sub(r"@[\w-]+", "", t)
            t = re.sub(r"\{#[\w-]+\}", "", t)
            t = re.sub(r"\b(19|20)\d\d\b", "", t)
            for a in allowed:
                t = t.replace(a, "")
            if re.search(r"\d", t):
                offenders.append(f"{path.name}:{chunk.line + i}: {line.strip()[:80]}")
    return offenders


# Number words that usually state a count or a ratio taken from the data.
NUMBER_WORDS = re.compile(r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                          r"half|a third|thirds?|twice|both|all)\b", re.IGNORECASE)

# Phrases where such a word does not depend on the data, each with its reason. A new
# entry needs a reason a reviewer accepts; a count of trials, women, tests or outcomes
# never qualifies (compute it with analysis.fmt.words / fmt.count instead).
NUMBER_WORD_ALLOWED = {
    r"\bone-sided\b|\btwo-sided\b|\btwo-sample\b|\btwo-page\b": "names of tests and of the handout's format",
    r"\bone by one\b|\beach one\b|\bat all\b|\bcure-all\b|\bcuts both ways\b|\bone scale\b"
    r"|\bthe (unpaired|honest) one\b|\bthe one we rely on\b|\b(recovering|recovered|gives) one\b"
    r"|\bone patient's\b|\bwithin one woman\b|\bone or two questions\b":
        "idioms and pronouns, not counts",
    r"\b(the two|both) (conditions|sequences|treatments)\b|\bboth conditions\b|\bone baseline for both\b"
    r"|\bboth reductions\b|\bboth responder percentages\b|\bthe two estimates\b":
        "a two-condition crossover compares LDN with placebo by design (the question, not the data)",
    r"\ball (possible|trials)\b|\bfor all\b": "'all' as 'every', not a count",
    r"\b(rests this on|reported|the evidence:) one (small )?(randomized )?(crossover )?trial\b"
    r"|\bone small (randomized )?crossover trial\b":
        "the blog post under review rests on one trial: a fact about the post",
    r"\beffective in half of the women\b|\beffective in almost all\b": "the definitions of ED50 and ED95 "
    "(the dose effective in that share of the participants, not of responders)",
    r"\btwo questions\b|\bin two ways\b": "the sentence itself lists what it counts",
    r"\bgives both a standardized difference\b": "a d and a P: what the sentence names",
    r"\b(at a single centre, all women|women, one centre)\b":
        "the index trial's setting as registered (data/studies.csv centre and population)",
}


def typed_number_words(path: Path, allowed: dict[str, str] | None = None) -> list[str]:
    """Prose lines and fig-alt / fig-cap / tbl-cap texts holding a number word ('three',
    'half', 'a third', 'twice', 'both', 'all') that no inline expression produced and no
    allowed phrase explains. Inline `{python}` expressions are removed first."""
    allowed = NUMBER_WORD_ALLOWED if allowed is None else allowed
    doc = qmd.parse(path)

    def offending(text: str) -> list[str]:
        t = re.sub(r"`\{python\}[^`]*`", "", text)
        for pattern in allowed:
            t = re.sub(pattern, "", t, flags=re.IGNORECASE)
        return [m.group(0) for m in NUMBER_WORDS.finditer(t)]

    out = []
    for chunk in doc.chunks:
        if isinstance(chunk, qmd.Markdown):
            for i, line in prose_lines(chunk.text):
                if offending(line):
                    out.append(f"{path.name}:{chunk.line + i}: {offending(line)} in {line.strip()[:80]}")
        else:
            for key in ("fig-alt", "fig-cap", "tbl-cap"):
                text = chunk.options.get(key)
                if text and offending(str(text)):
                    out.append(f"{path.name}:{chunk.line}: {key} {offending(str(text))} in {str(text)[:80]}")
    return out
