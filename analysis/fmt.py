"""Number and text formatting in one place, so HTML, PDF and handout print the same digits
and the same words.

Every function returns a plain ``str``. Conventions (AMA style, which the
bibliography also follows): P values to two significant figures with no
leading zero dropped, "<0.001" below that; percentages to whole numbers unless
asked; intervals as "low to high" (words avoid confusion with minus signs).

Text that comes from a data file is not Markdown: :func:`text` makes it literal
before it reaches a table or a sentence (and :func:`figure_text` before it
reaches a matplotlib label). Only markup the code writes itself is ever
interpreted; :func:`code` and :func:`citation` build such markup around an
identifier and refuse anything that is not one.
"""
from __future__ import annotations

import math
import re
import string
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

MINUS = "\u2212"  # typographic minus sign


def num(x: float, digits: int = 1) -> str:
    """``x`` rounded half-up to ``digits`` decimals, with a true minus sign."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if math.isinf(x):
        return "\u221e" if x > 0 else MINUS + "\u221e"
    q = Decimal(1).scaleb(-digits) if digits > 0 else Decimal(1)
    d = Decimal(repr(float(x))).quantize(q, rounding=ROUND_HALF_UP)
    if d == 0:
        d = abs(d)  # no "-0.0"
    text = f"{d:f}"
    return text.replace("-", MINUS)


def integer(x: float) -> str:
    return num(x, 0)


def p(value: float, *, prefix: bool = False) -> str:
    """A P value: 2 significant figures (0.016, 0.10, 0.0507→0.051), '<0.001' below."""
    if value is None or math.isnan(value):
        return "n/a"
    if not 0 <= value <= 1:
        raise ValueError(f"P value {value} is outside [0, 1]")
    if value < 0.001:
        text = "<0.001"
    elif value >= 0.995:
        text = "1.00" if value < 1 else "1"
    else:
        digits = max(2, 2 - int(math.floor(math.log10(value))) - 1)
        text = num(value, digits)
    if prefix:
        return ("P " if text.startswith("<") else "P = ") + text
    return text


def decimals(value: float) -> int:
    """How many decimals a stored number carries (0.05 -> 2, 18.0 -> 0, 1e-05 -> 5)."""
    return max(0, -Decimal(repr(float(value))).normalize().as_tuple().exponent)


def rounding_half(*values: float) -> float:
    """Half a unit of the last digit the most precise of ``values`` carries:
    how far a published number may be from the value it was rounded from."""
    return 0.5 * 10 ** -max(decimals(v) for v in values)


def as_published(value: float) -> str:
    """A published number with the digits it was stored with (0.05 stays '0.05')."""
    return num(value, decimals(value))


def p_exact(value: float, digits: int = 3) -> str:
    """A P value with a fixed number of decimals (for tables comparing methods)."""
    if value < 10 ** -digits:
        return "<" + num(10 ** -digits, digits)
    return num(value, digits)


def pct(value: float, digits: int = 0) -> str:
    """A percentage given on the 0-100 scale, as '32%'."""
    return num(value, digits) + "%"


def prop_pct(x: float, digits: int = 0) -> str:
    """A proportion on the 0-1 scale printed as a percentage."""
    return pct(100 * x, digits)


def ci(low: float, high: float, digits: int = 1, *, unit: str = "") -> str:
    """An interval as 'low to high' (unit appended to both ends if given)."""
    return f"{num(low, digits)}{unit} to {num(high, digits)}{unit}"


def est_ci(est: float, low: float, high: float, digits: int = 1, *, unit: str = "",
           level: int = 95) -> str:
    """'10.8 (95% CI 2.0 to 19.6)'."""
    return f"{num(est, digits)}{unit} ({level}% CI {ci(low, high, digits, unit=unit)})"


def count_of(x: int, n: int, digits: int = 0) -> str:
    """'9/28 (32%)'."""
    return f"{x}/{n} ({pct(100 * x / n, digits)})"


def signed(x: float, digits: int = 1) -> str:
    """A difference with an explicit sign: '+10.8', '−0.34'."""
    text = num(x, digits)
    return text if text.startswith(MINUS) or text.strip("0.") == "" else "+" + text


_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
          "ten", "eleven", "twelve")


def date(iso: str) -> str:
    """An ISO date (YYYY-MM-DD) as a reader writes it: '21 October 2015'."""
    import datetime as _dt
    d = _dt.date.fromisoformat(str(iso))
    return f"{d.day} {d:%B %Y}"


def words(n: int) -> str:
    """A small count as a word ('three'), larger ones as digits."""
    n = int(n)
    return _WORDS[n] if 0 <= n < len(_WORDS) else str(n)


def count(n: int, singular: str, plural: str | None = None) -> str:
    """A count with its noun, singular for one: 'one trial', 'three trials', 'no trial' is
    never written (zero gives 'zero trials'; say what is absent in words instead)."""
    n = int(n)
    return f"{words(n)} {singular if n == 1 else (plural or singular + 's')}"


def capital(s: str) -> str:
    """``s`` with its first letter in capitals (a sentence that starts with a computed word)."""
    return s[:1].upper() + s[1:]


def join(items, *, conj: str = "and") -> str:
    """'A', 'A and B', 'A, B and C'. An empty list is refused: a sentence built by joining
    nothing is a sentence with a hole in it; the caller must say what is absent instead."""
    items = [str(i) for i in items]
    if not items:
        raise ValueError("fmt.join: nothing to join; write what is absent in words instead")
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + f" {conj} " + items[-1]


# Simple fractions a reader says in words, for ratios and shares (value, words as a
# ratio "... as long", words as a share "... of women"). A value is named by the nearest
# one within RATIO_TOLERANCE (relative); otherwise it is given in digits.
_FRACTIONS = ((0.1, "a tenth as", "one in ten"), (0.125, "an eighth as", "one in eight"),
              (0.2, "a fifth as", "one in five"), (0.25, "a quarter as", "a quarter"),
              (1 / 3, "a third as", "a third"), (0.4, "two fifths as", "two in five"),
              (0.5, "half as", "half"), (0.6, "three fifths as", "three in five"),
              (2 / 3, "two thirds as", "two thirds"), (0.75, "three quarters as", "three quarters"),
              (1.0, "as", "all"), (1.5, "one and a half times as", None), (2.0, "twice as", None),
              (3.0, "three times as", None), (4.0, "four times as", None))
RATIO_TOLERANCE = 0.06   # a ratio of lengths or sizes: 'about a third as long' within 6%
SHARE_TOLERANCE = 0.12   # a share of people, already rounded: 'about one in ten' within 12%


def _nearest_fraction(x: float, tolerance: float = RATIO_TOLERANCE, shares: bool = False):
    cands = [f for f in _FRACTIONS if not shares or f[2] is not None]
    best = min(cands, key=lambda f: abs(x - f[0]) / f[0])
    return best if abs(x - best[0]) / best[0] <= tolerance else None


def ratio(x: float, adjective: str) -> str:
    """A ratio in words: ratio(1/3, 'long') -> 'a third as long', ratio(2, 'large') ->
    'twice as large', 'about' before a near fit (within RATIO_TOLERANCE), digits when no
    simple fraction is near ('0.37 times as long')."""
    if not x > 0:
        raise ValueError(f"fmt.ratio: {x} is not a positive ratio")
    f = _nearest_fraction(x)
    if f is None:
        return f"{num(x, 2)} times as {adjective}"
    exact = abs(x - f[0]) < 1e-9
    return ("" if exact else "about ") + f"{f[1]} {adjective}"


def share(x: float) -> str:
    """A share (0 to 1) in words: 'about a third', 'about one in ten'; a share no simple
    fraction is near is given as a percentage."""
    if not 0 <= x <= 1:
        raise ValueError(f"fmt.share: {x} is not a share between 0 and 1")
    if x == 0:
        return "none"
    f = _nearest_fraction(x, SHARE_TOLERANCE, shares=True)
    if f is None:
        return prop_pct(x)
    exact = abs(x - f[0]) < 1e-9
    return ("" if exact else "about ") + f[2]


_SINGULAR = {"participants": "participant", "weeks": "week", "years": "year",
             "studies": "study", "months": "month", "records": "record",
             "outcomes": "outcome", "days": "day"}


def with_unit(text: str, value: float, unit: str | None) -> str:
    """``text`` (a formatted value) followed by its unit, in the singular when
    the value is exactly one ("1 participant", "1 week")."""
    if not unit:
        return text
    if unit in _SINGULAR and abs(float(value)) == 1:
        unit = _SINGULAR[unit]
    return f"{text} {unit}"


# --------------------------------------------------------------------- text

# Pandoc Markdown (all_symbols_escapable): a backslash before any ASCII
# punctuation mark makes it a literal character. Escaping every one of them
# switches off emphasis, links, images, raw HTML and comments, entities, math,
# citations, Quarto shortcodes, footnotes, spans, super/subscript, strikeout,
# table pipes, list, header and quote markers, and the smart extension's
# dashes, ellipses and curly quotes, without knowing which construct each is.
_ESCAPE = {c: "\\" + c for c in string.punctuation}
# Line breaks and tabs read as one space: a table cell and a sentence are one line.
_BREAKS = re.compile(r"[ \t\n\r\f\v\x85\u2028\u2029]+")


def text(s: str) -> str:
    """Data text as literal pandoc Markdown: ASCII punctuation escaped, line breaks as spaces."""
    flat = _BREAKS.sub(" ", str(s)).strip()
    return "".join(_ESCAPE.get(c) or ("\ufffd" if unicodedata.category(c) == "Cc" else c)
                   for c in flat)


def figure_text(s: str) -> str:
    """Data text as a literal matplotlib label: dollar signs escaped, so no mathtext."""
    return _BREAKS.sub(" ", str(s)).strip().replace("$", r"\$")


_IDENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def code(ident: str) -> str:
    """An identifier (a number_id, a source_id) as an inline code span; anything else is refused."""
    if not _IDENT.fullmatch(str(ident)):
        raise ValueError(f"{ident!r} is not an identifier (letters, digits, '.', '_', '-'); "
                         "print data text with fmt.text, not as code")
    return f"`{ident}`"


def citation(key: str) -> str:
    """A citation of a BibTeX key, '[@key]'; a key that is not an identifier is refused."""
    if not _IDENT.fullmatch(str(key)):
        raise ValueError(f"{key!r} is not a citation key (letters, digits, '.', '_', '-')")
    return f"[@{key}]"


def of(k: int, n: int) -> str:
    """'two of four', 'none of four', 'all four' (of a whole the sentence names next)."""
    k, n = int(k), int(n)
    if k == 0:
        return f"none of {words(n)}"
    if k == n and n > 1:
        return f"all {words(n)}"
    return f"{words(k)} of {words(n)}"
