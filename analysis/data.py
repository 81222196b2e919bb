"""Load and validate the data package (``data/``): published numbers with provenance.

``load()`` reads the CSV tables named in ``data/datapackage.json``, checks them against
their Table Schemas (a small implementation of the subset the package uses) and against
domain rules, and returns a :class:`Package` of pandas DataFrames indexed by primary key.
Every problem is a :class:`DataError` naming the file, line, row, field and rule, and
saying how to fix it. Reference: Frictionless Table Schema v1 (specs.frictionlessdata.io).

Text cells are one line of plain text, because the report prints them literally
(``analysis.fmt.text``) in table cells and sentences. Every string cell is
checked for what can never be right there: control characters (tabs and line
breaks included: a cell that needs two lines is two facts), HTML tags (``<``
followed by a letter, ``/``, ``!`` or ``?``), more than ``MAX_TEXT_LENGTH``
characters (or the field's own ``maxLength``), and in URL fields (``format:
uri``) any scheme but http and https, and Unicode format characters (category
Cf: the right-to-left override U+202E, zero-width spaces, soft hyphens), which
change what a reader sees without changing the stored text.

Limits (issue 26), each with a message naming the file: a data file holds at most
``MAX_FILE_BYTES``; a field's ``pattern`` in datapackage.json must compile and may
take at most ``PATTERN_SECONDS`` over one file (a pattern such as ``^(a|aa)+$``
takes time exponential in a cell's length); a number is finite and a count
(statistic n or count) at most ``MAX_COUNT``; each field has the type the
analysis computes with (``FIELD_TYPES``).
"""
from __future__ import annotations

import csv
import io
import json
import math
import re
import signal
import stat
import sys
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is imported lazily: validation alone does not need it
    import pandas as pd

__all__ = ["DataError", "Package", "load", "validate", "DEFAULT_ROOT"]

DEFAULT_ROOT = Path(__file__).resolve().parent.parent / "data"
DESCRIPTOR = "datapackage.json"

_TRUE = ("true", "True", "TRUE", "1")
_FALSE = ("false", "False", "FALSE", "0")
_INT_RE = re.compile(r"^[+-]?\d+$")
_NUM_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_YEAR_RE = re.compile(r"^-?\d{4}$")
_URI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://\S+$")
_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_TAG_RE = re.compile(r"<[A-Za-z/!?]")  # how an HTML tag, end tag, comment or declaration begins
_URL_SCHEMES = ("http", "https")
_CONTROL_NAMES = {"\t": "a tab", "\n": "a line break", "\r": "a carriage return",
                  "\u2028": "a line separator", "\u2029": "a paragraph separator"}

# Longest text a cell may hold. The longest shipped value is 212 characters (a
# claim paraphrase in claims.csv and a study note in studies.csv): two sentences,
# several lines in the claims table's widest column. 300 leaves about 40% room
# for an honest edit while a cell stays short enough to read as one table row on
# paper; anything longer is prose, which belongs in report.qmd, not in data/.
MAX_TEXT_LENGTH = 300

# Largest data file the check reads. The largest shipped file (numbers.csv) is 27 kB;
# a numbers.csv of 1.1 MB (8,000 rows) renders the report in 30 s here instead of 7 s,
# and 200,000 rows (22 MB) ran for more than ten minutes. 1 MB leaves thirty times
# today's data while keeping a render within a minute.
MAX_FILE_BYTES = 1_000_000


def _too_large(size: int, what: str) -> str | None:
    """Why a file that is read whole is refused (data files, the descriptor, the
    bibliography: one bound, MAX_FILE_BYTES), or None when it is within it."""
    if size <= MAX_FILE_BYTES:
        return None
    return (f"the file is {size / 1e6:.1f} MB; {what} holds at most {MAX_FILE_BYTES / 1e6:g} MB "
            "(analysis.data.MAX_FILE_BYTES)")
# Longest a field's `pattern` may take over one file, all its cells together. An
# ordinary pattern checks a cell in microseconds; a pattern with nested or
# overlapping repetition (^(a|aa)+$) took 11.6 s on one 38-character cell, doubling
# with each further character. Bounded with a timer (SIGALRM, main thread only).
PATTERN_SECONDS = 1.0
# Largest count (statistic n or count) the analysis accepts. A trial counts people or
# events; 1e308 passed as a whole number and ended the analysis in an OverflowError.
# Ten million is far above any trial and well inside exact floating-point integers.
MAX_COUNT = 10_000_000
# The type of every field that is not a string: the analysis computes with these,
# so a descriptor that declares another type is an error (a number field changed to
# a string ended the check in a TypeError). Every other field must be a string.
FIELD_TYPES = {
    "studies": {"year": "year", "randomized": "boolean"},
    "numbers": {"value": "number", "low": "number", "high": "number", "confirmed": "boolean"},
    "claims": {"claimed_value": "number"},
    "dates": {"confirmed": "boolean"},
}
# While reading, say how far the check has got every PROGRESS_SECONDS when PROGRESS
# is set (python -m analysis check sets it to print to stderr).
PROGRESS = None
PROGRESS_SECONDS = 2.0

# Which source kinds carry which provenance tag (facts.md: A abstract, R registry, N news).
# Every resource the package must hold (rob2: the RoB 2 judgments, appraisal kept as data).
# pooling and pooling_sets: the trial roster (which studies are pooled, in which sets,
# converted to Hedges' g how), so that adding a later trial is rows, not code.
REQUIRED_RESOURCES = ("studies", "sources", "numbers", "claims", "rob2", "pooling", "pooling_sets", "dates")

# The trial roster (pooling.csv): the input columns each conversion to Hedges' g takes
# (analysis.meta; results.CONVERSIONS calls them). Every other input column stays empty.
CONVERSION_INPUTS = {
    "means_sds": ("mean_ldn", "sd_ldn", "n_ldn", "mean_placebo", "sd_placebo", "n_placebo"),
    "md_ci": ("estimate", "n_ldn", "n_placebo"),
    "cohens_d": ("estimate", "n_ldn", "n_placebo"),
    "paired_p": ("p", "n"),
    "r_effect_size": ("estimate", "n"),
    "parallel_p": ("p", "n_ldn", "n_placebo"),
}
POOLING_INPUTS = ("estimate", "p", "n", "n_ldn", "n_placebo", "mean_ldn", "sd_ldn", "mean_placebo",
                  "sd_placebo")
ANALYSED_N = "analysed_n"  # pooling.csv's n for the index trial: the report's analysed n (GRIM)
# Sets the analysis refers to by name: the main pooling and the later trials.
REQUIRED_SETS = ("randomized", "later trials")
# What each input must be in numbers.csv (its statistic column).
_INPUT_STATISTICS = {"n": ("n",), "n_ldn": ("n",), "n_placebo": ("n",), "p": ("p",),
                     "mean_ldn": ("mean", "mean_change", "score"),
                     "mean_placebo": ("mean", "mean_change", "score"),
                     "sd_ldn": ("sd",), "sd_placebo": ("sd",)}

_TAG_FOR_KIND = {"abstract": "A", "review-abstract": "A", "protocol": "A", "registry": "R", "news": "N"}


class DataError(ValueError):
    """A problem in the data package: where it is, which rule it breaks, how to fix it."""

    def __init__(self, message: str, *, file: str, rule: str, row: int | None = None,
                 line: int | None = None, field: str | None = None, key: str | None = None):
        self.file, self.rule, self.row, self.line, self.field, self.key = file, rule, row, line, field, key
        self.errors: list[DataError] = [self]
        where = file
        if line is not None:
            where += f", line {line}"
            if row is not None:
                where += f" (row {row}" + (f", {key}" if key else "") + ")"
            elif key:  # a place in a file without rows: "references.bib, line 9 (entry 'x')"
                where += f" ({key})"
        if field is not None:
            where += f", field '{field}'"
        self.message = message
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Package:
    """The validated data package: one DataFrame per resource, indexed by primary key."""

    root: Path
    descriptor: dict[str, Any]
    studies: pd.DataFrame
    sources: pd.DataFrame
    numbers: pd.DataFrame
    claims: pd.DataFrame
    rob2: pd.DataFrame = field(default_factory=lambda: _pd().DataFrame())  # risk-of-bias judgments
    pooling: pd.DataFrame = field(default_factory=lambda: _pd().DataFrame())  # the trial roster
    pooling_sets: pd.DataFrame = field(default_factory=lambda: _pd().DataFrame())  # its analysis sets
    dates: pd.DataFrame = field(default_factory=lambda: _pd().DataFrame())  # published dates, with provenance
    _files: dict[str, str] = field(default_factory=dict, repr=False)

    def number(self, number_id: str) -> pd.Series:
        """The numbers.csv row of ``number_id`` (a Series; the id is its name)."""
        try:
            return self.numbers.loc[number_id]
        except KeyError:
            raise KeyError(f"number_id '{number_id}' is not in {self._files.get('numbers', 'numbers.csv')}; "
                           "check the spelling or add the row") from None

    def value(self, number_id: str) -> float:
        """The published value of ``number_id`` as a float."""
        return float(self.number(number_id)["value"])

    def provenance(self, number_id: str) -> dict[str, Any]:
        """Source, tag, BibTeX key, location and confirmation status of ``number_id``."""
        row = self.number(number_id)
        src = self.sources.loc[row["source_id"]]
        def clean(v: Any) -> Any:
            return None if _missing(v) else v
        return {"number_id": number_id, "study_id": row["study_id"], "source_id": row["source_id"],
                "kind": src["kind"], "tag": src["tag"], "bib_key": src["bib_key"], "url": clean(src["url"]),
                "location": row["location"], "confirmed": bool(row["confirmed"]), "note": clean(row["note"])}

    def date(self, date_id: str) -> str:
        """The published date of ``date_id`` (YYYY-MM-DD, or YYYY-MM when only a month is given)."""
        try:
            return str(self.dates.loc[date_id, "date"])
        except KeyError:
            raise KeyError(f"date_id '{date_id}' is not in {self._files.get('dates', 'dates.csv')}; "
                           "check the spelling or add the row") from None

    def claim_numbers(self, claim_id: str) -> list[str]:
        """The number_ids a claim cites, in file order."""
        try:
            raw = self.claims.loc[claim_id, "number_ids"]
        except KeyError:
            raise KeyError(f"claim_id '{claim_id}' is not in {self._files.get('claims', 'claims.csv')}") from None
        return [] if _missing(raw) else [s for s in str(raw).split(";") if s]


def load(root: Path | str | None = None) -> Package:
    """Read and validate the package at ``root`` (default: the repository's data/); raise the first DataError."""
    root = Path(root) if root is not None else DEFAULT_ROOT
    errors, tables, descriptor, files = _check(root)
    if errors:
        first = errors[0]
        first.errors = errors
        raise first
    frames = {name: _frame(tables[name], res) for name, res in _resources(descriptor).items()}
    return Package(root=root, descriptor=descriptor, studies=frames["studies"], sources=frames["sources"],
                   numbers=frames["numbers"], claims=frames["claims"], rob2=frames["rob2"],
                   pooling=frames["pooling"], pooling_sets=frames["pooling_sets"], dates=frames["dates"],
                   _files=files)


def validate(root: Path | str | None = None, *, bibliography: Path | str | None = None,
             documents: list[Path] | tuple[Path, ...] = ()) -> list[DataError]:
    """Every problem in the package at ``root``, in file, row and field order (empty if valid).
    With ``bibliography`` (a .bib file), also every problem in that file (see
    :func:`check_bibliography`), every sources.csv bib_key that it lacks, and every
    key that one of ``documents`` (.qmd files) cites in its prose but it lacks."""
    errors, tables, _, files = _check(Path(root) if root is not None else DEFAULT_ROOT)
    if bibliography is not None:
        bib = Path(bibliography)
        entries, bib_errors = check_bibliography(bib)
        errors.extend(bib_errors)
        # after a syntax error the later entries are unread: their keys are not missing
        unread = any(e.rule == "bib-syntax" for e in bib_errors)
        if entries is not None and not unread:
            if "sources" in tables:
                errors.extend(_bib_keys(tables["sources"], files["sources"], bib, set(entries)))
            errors.extend(_document_citations(documents, bib, set(entries)))
        elif "sources" in tables and not bib_errors:
            errors.extend(_bib_keys(tables["sources"], files["sources"], bib, None))
    return errors


def bib_keys(path: Path) -> set[str]:
    """The citation keys a BibTeX file defines (as :func:`check_bibliography` reads them)."""
    entries, _ = check_bibliography(Path(path))
    if entries is None:
        raise FileNotFoundError(path)
    return set(entries)


def _bib_keys(table: _Table, fname: str, bib: Path, keys: set[str] | None) -> list[DataError]:
    if keys is None:
        return [DataError(f"the bibliography {bib.name} is missing; every bib_key of {fname} must be an "
                          "entry in it. Restore it.", file=bib.name, rule="missing-file")]
    return [DataError(f"bib_key '{r['bib_key']}' is not an entry in {bib.name}. Add the entry "
                      f"(@article{{{r['bib_key']}, ...}}) there, or correct the key.",
                      field="bib_key", rule="bib-key", **_ctx(table, i, fname, "source_id"))
            for i, r in enumerate(table.rows) if r["bib_key"] and r["bib_key"] not in keys]


# ------------------------------------------------------------- the bibliography
#
# pandoc reads every field of a BibTeX file as LaTeX, so a title can hold
# \includegraphics{/etc/passwd} (embedded into the HTML), \includegraphics{http://...}
# (fetched) or \href{javascript:...}{...} (a live link), and citeproc turns a url or
# doi field into a link whatever its scheme (issue 26). The check reads the file as
# pandoc's BibTeX reader does (every '@' outside an entry starts one; text between
# entries is ignored) and allows only the LaTeX that typesets letters: the commands
# below, which include no file, make no link and define nothing. Every other
# backslash command, and TeX's ^^ character notation, is refused wherever it
# appears in the file, comments included, so that no difference between this
# reader and pandoc's can hide one.

BIB_COMMANDS = frozenset([
    # accents and escaped characters (the shipped file uses \' \` \" \c \o \&)
    "'", "`", '"', "^", "~", "=", ".", "c", "u", "v", "H", "r", "k", "d", "b", "t",
    "o", "O", "l", "L", "i", "j", "ss", "ae", "AE", "oe", "OE", "aa", "AA",
    "&", "%", "$", "#", "_", "{", "}", " ", ",", "-", "/",
    # type styles and typographic symbols
    "emph", "textit", "textbf", "textsc", "textsuperscript", "textsubscript", "textup", "textrm",
    "textsf", "texttt", "textnormal", "ldots", "dots", "textendash", "textemdash",
])
# Fields citeproc turns into links, and what each may hold.
_BIB_URL_RE = re.compile(r"^https?://[^\s\"'<>\\{}`^|]+$", re.I)
_BIB_DOI_RE = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/)?10\.\d{4,9}/[^\s\"'\\{}`^|]+$", re.I)
_BIB_LINK_FIELDS = {
    "url": (_BIB_URL_RE, "an http:// or https:// address"),
    "doi": (_BIB_DOI_RE, "a DOI such as 10.1002/art.37734 (or https://doi.org/10.1002/art.37734)"),
    "pmid": (re.compile(r"^\d{1,10}$"), "a PubMed id: digits only"),
    "pmcid": (re.compile(r"^PMC\d{1,10}$"), "a PubMed Central id such as PMC1234567"),
}
_BIB_MONTHS = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
_BIB_CMD_RE = re.compile(r"\\([A-Za-z@]+|.)", re.S)
_BIB_KEY_OK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass
class BibEntry:
    """One entry of a BibTeX file: type, key, line, and its fields as (name, raw value, line)."""

    kind: str
    key: str
    line: int
    fields: list[tuple[str, str, int]]


class _BibSyntax(Exception):
    def __init__(self, pos: int, message: str):
        self.pos, self.message = pos, message


def check_bibliography(path: Path) -> tuple[dict[str, BibEntry] | None, list[DataError]]:
    """The entries of the BibTeX file ``path`` by key (None if it is missing) and every
    problem in it: a syntax error, a duplicate key, a LaTeX command outside
    :data:`BIB_COMMANDS`, a url/doi/pmid/pmcid field that is not an http(s) address or
    an identifier. Each problem names the file, the line, the entry and the field."""
    name = path.name
    try:
        too_large = _too_large(path.stat().st_size, "a bibliography")
        if too_large:
            return {}, [DataError(f"{too_large}.", file=name, rule="file-size")]
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, []
    except UnicodeDecodeError as exc:
        return {}, [DataError(f"the file is not valid UTF-8 ({exc.reason}). Save it as UTF-8.",
                              file=name, rule="encoding")]
    def line_of(pos: int) -> int:
        return text.count("\n", 0, pos) + 1
    errors: list[DataError] = []
    entries: dict[str, BibEntry] = {}
    spans: list[tuple[int, int, BibEntry, str]] = []  # where each field's value lies
    try:
        for entry, field_spans in _bib_entries(text):
            for start, end, fname in field_spans:
                spans.append((start, end, entry, fname))
            if not _BIB_KEY_OK.match(entry.key):
                errors.append(DataError(
                    f"the key '{entry.key}' is not one the documents can cite: use letters, digits and "
                    "'.', '_', '-' (starting with a letter or digit).", file=name, line=entry.line,
                    rule="bib-key-name"))
            elif entry.key in entries:
                errors.append(DataError(
                    f"the key '{entry.key}' is defined twice (first at line {entries[entry.key].line}). "
                    "Remove one entry, or give it its own key.", file=name, line=entry.line,
                    key=f"entry '{entry.key}'", rule="bib-duplicate"))
            else:
                entries[entry.key] = entry
    except _BibSyntax as exc:
        errors.append(DataError(f"{exc.message}. pandoc cannot read the file past here; fix the entry.",
                                file=name, line=line_of(exc.pos), rule="bib-syntax"))

    def where(pos: int) -> dict:
        for start, end, entry, fname in spans:
            if start <= pos < end:
                return dict(line=line_of(pos), key=f"entry '{entry.key}'", field=fname)
        return dict(line=line_of(pos))

    allowed = " ".join("\\" + c for c in sorted(BIB_COMMANDS) if c.isalpha())
    seen: set = set()  # one problem per field (or per line outside entries): its first command
    for m in _BIB_CMD_RE.finditer(text):
        cmd = m.group(1)
        if cmd in BIB_COMMANDS:
            continue
        place = where(m.start())
        spot = (place.get("key"), place.get("field")) if "key" in place else place["line"]
        if spot in seen:
            continue
        seen.add(spot)
        shown = text[m.start():m.start() + 40].split("\n")[0]
        errors.append(DataError(
            f"'{shown}' holds the LaTeX command \\{cmd}, which a bibliography may not use (pandoc reads "
            "the fields as LaTeX: a command can include a file, fetch an address or make a link). Write "
            f"the text itself; the commands allowed are accents, escaped characters and {allowed}.",
            file=name, rule="bib-command", **place))
    for m in re.finditer(r"\^\^", text):
        errors.append(DataError(
            "'^^' is TeX's notation for a character by its code (^^5c is a backslash), which pandoc "
            "reads too. Write the character itself.", file=name, rule="bib-command", **where(m.start())))
    for entry in entries.values():
        for fname, value, fline in entry.fields:
            spec = _BIB_LINK_FIELDS.get(fname)
            if spec and not spec[0].match(value.strip()):
                errors.append(DataError(
                    f"'{value[:60]}' is not {spec[1]}; citeproc makes this field a link, and a "
                    "bibliography links only to http(s) addresses and DOIs. Correct it, or remove the field.",
                    file=name, line=fline, key=f"entry '{entry.key}'", field=fname, rule="bib-link"))
    errors.sort(key=lambda e: e.line or 0)
    return entries, errors


def _bib_entries(text: str):
    """(entry, [(value start, value end, field name)]) for each entry of a BibTeX text, as
    pandoc's reader finds them; raises _BibSyntax at the first thing it cannot read."""
    pos, n = 0, len(text)
    def line_of(p: int) -> int:
        return text.count("\n", 0, p) + 1
    def skip_ws(p: int) -> int:
        while p < n and text[p].isspace():
            p += 1
        return p
    def braced(p: int) -> int:  # p at "{"; returns the position after the matching "}"
        depth = 0
        for i in range(p, n):
            c = text[i]
            if c == "\\":
                continue
            if c == "{" and (i == 0 or text[i - 1] != "\\"):
                depth += 1
            elif c == "}" and text[i - 1] != "\\":
                depth -= 1
                if depth == 0:
                    return i + 1
        raise _BibSyntax(p, "a '{' here is never closed")
    while True:
        at = text.find("@", pos)
        if at < 0:
            return
        m = re.compile(r"@\s*([A-Za-z]+)\s*").match(text, at)
        if not m:
            raise _BibSyntax(at, "an '@' outside an entry starts one for BibTeX readers, but no entry "
                                 "type follows it (write 'at' in comments)")
        kind, p = m.group(1).lower(), m.end()
        if p >= n or text[p] != "{":
            raise _BibSyntax(p, f"'@{m.group(1)}' must be followed by '{{'")
        if kind == "comment":
            pos = braced(p)
            continue
        if kind in ("string", "preamble"):
            raise _BibSyntax(at, f"@{kind} is not used by this project and not accepted: write the value "
                                 "in the entry's field")
        end = braced(p)
        km = re.compile(r"\s*([^,\s{}]+)\s*,").match(text, p + 1)
        if not km:
            raise _BibSyntax(p, f"the @{kind} entry needs a key and a comma after '{{'")
        entry = BibEntry(kind, km.group(1), line_of(at), [])
        spans = []
        q = km.end()
        while True:
            q = skip_ws(q)
            if q >= end - 1:
                break
            fm = re.compile(r"([A-Za-z][A-Za-z0-9_:-]*)\s*=\s*").match(text, q)
            if not fm:
                raise _BibSyntax(q, f"entry '{entry.key}': expected 'name = {{value}}'")
            fname, q = fm.group(1).lower(), fm.end()
            if q < n and text[q] == "{":
                vend = braced(q)
                value, vstart = text[q + 1:vend - 1], q + 1
            elif q < n and text[q] == '"':
                close = q + 1
                depth = 0
                while close < end:
                    c = text[close]
                    if c == "{":
                        depth += 1
                    elif c == "}":
                        depth -= 1
                    elif c == '"' and depth == 0 and text[close - 1] != "\\":
                        break
                    close += 1
                else:
                    raise _BibSyntax(q, f"entry '{entry.key}': the quoted value of '{fname}' is never closed")
                vend, value, vstart = close + 1, text[q + 1:close], q + 1
            else:
                vm = re.compile(r"[A-Za-z0-9]+").match(text, q)
                if not vm or not (vm.group(0).isdigit() or vm.group(0).lower() in _BIB_MONTHS):
                    raise _BibSyntax(q, f"entry '{entry.key}': the value of '{fname}' must be in braces")
                vend, value, vstart = vm.end(), vm.group(0), q
            if vend > end - 1:
                raise _BibSyntax(q, f"entry '{entry.key}': the value of '{fname}' runs past the entry's end")
            entry.fields.append((fname, value, line_of(vstart)))
            spans.append((vstart, vend, fname))
            q = skip_ws(vend)
            if q < n and text[q] == "#":
                raise _BibSyntax(q, f"entry '{entry.key}': '#' joins strings, which this project does not "
                                    "use; write the value whole")
            if q < n and text[q] == ",":
                q += 1
            elif q < end - 1:
                raise _BibSyntax(q, f"entry '{entry.key}': expected ',' after the value of '{fname}'")
        yield entry, spans
        pos = end


# Citations in a document's prose: pandoc's @key (in [...] or not), not inside code.
_CITE_RE = re.compile(r"(?<![\w.@/:=?&])-?@([A-Za-z0-9_][\w:.#$%&+?<>~/-]*)")
_CROSSREF = re.compile(r"^(fig|tbl|sec|eq|lst|thm|lem|cor|prp|cnj|def|exm|exr|sol|rem|nte|tip|wrn|imp|cau)-")


def document_citations(path: Path) -> list[tuple[str, int]]:
    """(key, line) of every citation in a .qmd document's prose: front matter, code
    cells, code blocks, inline code and HTML comments left out; cross-references
    (@fig-, @tbl-, @sec-, ...) are not citations."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[tuple[str, int]] = []
    fence: str | None = None
    in_front = bool(lines) and lines[0].strip() == "---"
    in_comment = False
    for no, line in enumerate(lines, 1):
        if in_front:
            if no > 1 and line.strip() in ("---", "..."):
                in_front = False
            continue
        m = re.match(r"^\s*(`{3,}|~{3,})", line)
        if fence:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and not line.strip()[len(m.group(1)):].strip():
                fence = None
            continue
        if m:
            fence = m.group(1)
            continue
        text = re.sub(r"`+[^`]*`+", " ", line)
        if in_comment:
            if "-->" not in text:
                continue
            text, in_comment = text.split("-->", 1)[1], False
        text = re.sub(r"<!--.*?-->", " ", text)
        if "<!--" in text:
            text, in_comment = text.split("<!--", 1)[0], True
        for cm in _CITE_RE.finditer(text):
            key = cm.group(1).rstrip(":.#$%&+?<>~/-")
            if key and not _CROSSREF.match(key):
                out.append((key, no))
    return out


def _document_citations(documents, bib: Path, keys: set[str]) -> list[DataError]:
    errors = []
    for doc in documents:
        for key, line in document_citations(Path(doc)):
            if key not in keys:
                errors.append(DataError(
                    f"no entry '{key}', which {Path(doc).name}, line {line} cites. Add the entry to "
                    f"{bib.name}, or correct the key in {Path(doc).name}.", file=bib.name, rule="bib-key"))
    return errors


# ------------------------------------------------------------ resource paths

def _resource_path_error(root: Path, res: dict, dname: str) -> DataError | None:
    """A resource's path must name a file inside the data folder: relative, without
    '..', and not a symbolic link (or inside a linked folder) whose target lies
    outside. The render cache (render/cache.py) keys on the files in the data folder,
    so a file read from elsewhere would let a changed file be served from the cache
    (issue 26, point 5); ../../etc/passwd would be opened at all."""
    raw = res["path"]
    folder = root.name + "/"
    why = None
    if not isinstance(raw, str) or not raw.strip():
        why = "it is not a file name"
    elif "\\" in raw or raw.startswith("/") or re.match(r"^[A-Za-z]:", raw) or Path(raw).is_absolute():
        why = "an absolute path"
    elif ".." in Path(raw).parts:
        why = "'..' in it"
    else:
        try:
            inside = (root / raw).resolve().is_relative_to(root.resolve())
        except (OSError, RuntimeError, ValueError):  # a symlink loop, a NUL in the name
            inside = False
        if not inside:
            why = "a symbolic link to a place outside it"
    if why is None:
        return None
    return DataError(f"resource '{res['name']}' has the path '{raw}', which leaves {folder} ({why}). A "
                     f"resource is a file in {folder}: put the file there and give its name relative to "
                     f"{folder} (e.g. '{res['name']}.csv').", file=dname, field="path", rule="resource-path")



# --------------------------------------------------------------------------- internals

def _pd():
    import pandas
    return pandas


def _missing(v: Any) -> bool:
    return (v is None or (isinstance(v, float) and math.isnan(v))
            or type(v).__name__ == "NAType")  # pandas.NA, without importing pandas


def _resources(descriptor: dict) -> dict[str, dict]:
    return {r["name"]: r for r in descriptor["resources"]}


@dataclass
class _Table:
    rows: list[dict[str, Any]]          # typed values, None for missing
    lines: list[int]                    # physical start line of each data row
    ok: bool                            # False if the header or a row was unreadable
    unread_keys: set = field(default_factory=set)  # typed keys of rows skipped as unreadable


def _check(root: Path):
    rel = root.name  # messages name files relative to the data root's parent: "data/numbers.csv"
    errors: list[DataError] = []
    dpath = root / DESCRIPTOR
    dname = f"{rel}/{DESCRIPTOR}"
    try:
        too_large = _too_large(dpath.stat().st_size, "a package descriptor")
        if too_large:  # read whole before anything is checked
            raise ValueError(too_large)
        descriptor = json.loads(dpath.read_text(encoding="utf-8"))
        resources = _resources(descriptor)
        for r in resources.values():
            r["schema"]["fields"]  # noqa: B018 - presence check
            r["path"]
    except FileNotFoundError:
        return [DataError(f"the package descriptor is missing. Restore {DESCRIPTOR} in the data folder.",
                          file=dname, rule="missing-file")], {}, {}, {}
    except (ValueError, KeyError, TypeError) as exc:
        return [DataError(f"the package descriptor cannot be read ({exc}). Fix the JSON so that every "
                          "resource has a name, a path and a schema with fields.",
                          file=dname, rule="descriptor")], {}, {}, {}
    missing = [n for n in REQUIRED_RESOURCES if n not in resources]
    if missing:
        return [DataError(f"the descriptor lacks the resource(s) {', '.join(missing)}. Add them to "
                          "'resources'.", file=dname, rule="descriptor")], {}, descriptor, {}

    files = {name: f"{rel}/{res['path']}" for name, res in resources.items()}
    tables: dict[str, _Table] = {}
    for name, res in resources.items():
        path_error = _resource_path_error(root, res, dname)
        if path_error:  # never opened: the render cache keys only on files in the data folder
            tables[name] = _Table(rows=[], lines=[], ok=False)
            errors.append(path_error)
            continue
        table, errs = _read_table(root / res["path"], files[name], res, descriptor)
        tables[name] = table
        errors.extend(errs)
    errors.extend(_foreign_keys(tables, resources, files))
    errors.extend(_domain(tables, resources, files, descriptor))
    return errors, tables, descriptor, files


def _read_table(path: Path, fname: str, res: dict, descriptor: dict) -> tuple[_Table, list[DataError]]:
    schema = res["schema"]
    fields = schema["fields"]
    names = [f["name"] for f in fields]
    missing_values = schema.get("missingValues", descriptor.get("missingValues", [""]))
    pk = _pk_list(res)
    errors: list[DataError] = []
    table = _Table(rows=[], lines=[], ok=True)
    dname = fname.rsplit("/", 1)[0] + "/" + DESCRIPTOR if "/" in fname else DESCRIPTOR
    schema_errors, fields = _schema_errors(res, dname)
    errors.extend(schema_errors)
    try:
        st = path.stat()
        size = st.st_size
        if not stat.S_ISREG(st.st_mode):
            table.ok = False
            return table, errors + [DataError("this is not a regular file (a device, pipe or folder). "
                                              "Restore the CSV file.", file=fname, rule="missing-file")]
        too_large = _too_large(size, "a data file")
        if too_large:
            table.ok = False
            return table, errors + [DataError(
                f"{too_large}: a larger table makes the check and the render slow. "
                "Keep data/ to the published facts the report uses.", file=fname, rule="file-size")]
        data = path.read_bytes()
    except FileNotFoundError:
        table.ok = False
        return table, errors + [DataError(f"the file is missing. Restore it, or remove resource "
                                          f"'{res['name']}' from datapackage.json.", file=fname,
                                          rule="missing-file")]
    except OSError as exc:
        table.ok = False
        return table, errors + [DataError(f"the file cannot be read ({exc.strerror or exc}). Check that "
                                          "it is a readable file.", file=fname, rule="missing-file")]
    replaced = False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        table.ok = False
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        # one error with its line; the rows are still read (the bad bytes replaced), so
        # that other files' references to them are not reported as further problems
        errors.append(DataError(
            f"the file is not valid UTF-8: byte 0x{data[exc.start]:02X} at byte {column} of the line "
            f"({exc.reason}); it was probably saved as Latin-1 or Windows-1252. Save it as UTF-8.",
            file=fname, line=line, rule="encoding"))
        text = data.decode("utf-8", errors="replace")
        replaced = True
    patterns = _Patterns(fields)
    started = last_said = time.monotonic()
    with io.StringIO(text, newline="") as fh, patterns:
        reader = csv.reader(fh, strict=True)
        try:
            header = next(reader, None)
            if header is None:
                table.ok = False
                return table, [DataError(f"the file is empty. It needs the header line "
                                         f"{','.join(names)} and data rows.", file=fname, line=1,
                                         rule="header")]
            herr = _header_error(header, names, fname)
            if herr:
                table.ok = False
                return table, [herr]
            seen_pk: dict[tuple, int] = {}
            seen_unique: dict[str, dict[Any, int]] = {f["name"]: {} for f in fields
                                                       if f.get("constraints", {}).get("unique")
                                                       and [f["name"]] != pk}
            prev_end = reader.line_num
            rowno = 0
            for cells in reader:
                start, prev_end = prev_end + 1, reader.line_num
                if not cells:  # blank line
                    continue
                rowno += 1
                if PROGRESS is not None and time.monotonic() - last_said > PROGRESS_SECONDS:
                    last_said = time.monotonic()
                    PROGRESS(f"{fname}: {rowno:,} rows read ({last_said - started:.0f} s)")
                key_label = _key_label(cells, names, pk)
                ctx = dict(file=fname, row=rowno, line=start, key=key_label)
                if replaced and any("\ufffd" in c for c in cells):  # its bytes are not UTF-8:
                    if pk and len(cells) == len(names):  # reported once above; the row exists
                        key = tuple(cells[names.index(k)] for k in pk)  # (as it was meant, too)
                        table.unread_keys |= {key, tuple(v.replace("\ufffd", "") for v in key)}
                    continue
                if len(cells) != len(names):
                    table.ok = False
                    if pk and all(names.index(k) < len(cells) for k in pk):
                        # the row exists: references to it are not a second problem
                        key = [_cell(fields[names.index(k)], cells[names.index(k)], missing_values,
                                     res["name"], ctx, patterns) for k in pk]
                        if not any(err for _, err in key):
                            table.unread_keys.add(tuple(value for value, _ in key))
                    errors.append(DataError(
                        f"the row has {len(cells)} cells but the header has {len(names)}. Check for an "
                        "unquoted comma or a missing cell; quote cells that contain commas.",
                        rule="row-length", **ctx))
                    continue
                typed: dict[str, Any] = {}
                for spec, raw in zip(fields, cells):
                    value, err = _cell(spec, raw, missing_values, res["name"], ctx, patterns)
                    if err:
                        errors.append(err)
                    typed[spec["name"]] = value
                    uniq = seen_unique.get(spec["name"])
                    if uniq is not None and value is not None:
                        if value in uniq:
                            errors.append(DataError(
                                f"value '{raw}' already appears in row {uniq[value]}; values in this "
                                "column must be unique. Change one of the two.",
                                field=spec["name"], rule="unique", **ctx))
                        else:
                            uniq[value] = rowno
                if pk:
                    kv = tuple(typed.get(k) for k in pk)
                    if all(v is not None for v in kv):
                        if kv in seen_pk:
                            errors.append(DataError(
                                f"duplicate key {', '.join(map(repr, kv))}: row {seen_pk[kv]} has the same "
                                f"{'/'.join(pk)}. Give each row its own key or merge the two rows.",
                                field=pk[0], rule="primary-key", **ctx))
                        else:
                            seen_pk[kv] = rowno
                table.rows.append(typed)
                table.lines.append(start)
        except csv.Error as exc:
            table.ok = False
            errors.append(DataError(f"the CSV cannot be parsed ({exc}). Check the quoting near this line.",
                                    file=fname, line=reader.line_num, rule="malformed-csv"))
    return table, errors


def _schema_errors(res: dict, dname: str) -> tuple[list[DataError], list[dict]]:
    """What in one resource's schema the check cannot apply: a field type it does not
    read, a type other than the one the analysis computes with (FIELD_TYPES), a pattern
    that does not compile, a constraint of the wrong kind. Returns the errors and the
    fields as the cells are to be read (with the analysis's type, so that a wrong
    descriptor gives one error here, not one per cell and no crash later)."""
    errors: list[DataError] = []
    fields = []
    want = FIELD_TYPES.get(res["name"], {})
    where = f"resource '{res['name']}'"
    for spec in res["schema"]["fields"]:
        spec = dict(spec)
        name, ftype = spec.get("name"), spec.get("type", "string")
        need = want.get(name, "string")
        if ftype != need:
            errors.append(DataError(
                f"{where}: the type is '{ftype}', but the analysis reads this field as '{need}' "
                f"(analysis/data.py FIELD_TYPES). Restore \"type\": \"{need}\".",
                file=dname, field=name, rule="descriptor"))
            spec["type"] = need
        cons = spec.get("constraints") or {}
        if not isinstance(cons, dict):
            errors.append(DataError(f"{where}: the constraints are not an object. "
                                    "Give them as {\"required\": true, ...}.", file=dname, field=name,
                                    rule="descriptor"))
            cons = {}
        cons = dict(cons)
        if "pattern" in cons:
            try:
                if not isinstance(cons["pattern"], str):
                    raise re.error("not a string")
                re.compile(cons["pattern"])
            except (re.error, RecursionError, OverflowError) as exc:
                errors.append(DataError(
                    f"{where}: the pattern is not a valid regular expression ({exc}). Correct it.",
                    file=dname, field=name, rule="descriptor"))
                del cons["pattern"]
            else:
                if need != "string":
                    errors.append(DataError(f"{where}: the field is a {need}; a pattern applies "
                                            "only to a string. Remove the pattern.", file=dname,
                                            field=name, rule="descriptor"))
                    del cons["pattern"]
        for key in ("minimum", "maximum"):
            if key in cons and (need not in ("number", "integer", "year")
                                or isinstance(cons[key], bool) or not isinstance(cons[key], (int, float))):
                errors.append(DataError(f"{where}: {key} is {cons[key]!r}; {key} is a "
                                        "number and applies only to number and year fields. Correct "
                                        "or remove it.", file=dname, field=name, rule="descriptor"))
                del cons[key]
        if "maxLength" in cons and (isinstance(cons["maxLength"], bool)
                                    or not isinstance(cons["maxLength"], int)):
            errors.append(DataError(f"{where}: maxLength is {cons['maxLength']!r}, which "
                                    "is not a whole number. Correct it.", file=dname, field=name,
                                    rule="descriptor"))
            del cons["maxLength"]
        if "enum" in cons and not isinstance(cons["enum"], list):
            errors.append(DataError(f"{where}: the enum is not a list. Correct "
                                    "it.", file=dname, field=name, rule="descriptor"))
            del cons["enum"]
        spec["constraints"] = cons
        fields.append(spec)
    return errors, fields


class _PatternTimeout(Exception):
    pass


class _Patterns:
    """Fields' patterns, matched within a time budget: PATTERN_SECONDS per field over
    one file, enforced with a SIGALRM timer (Python's re checks for signals while it
    backtracks). Outside the main thread, where signals cannot be handled, the match
    runs without a bound. A field whose pattern ran out of time is not matched again
    in that file (one error, not one per row)."""

    def __init__(self, fields: list[dict]):
        self.compiled = {f["name"]: re.compile(f["constraints"]["pattern"]) for f in fields
                         if "pattern" in f.get("constraints", {})}
        self.spent: dict[str, float] = {}
        self.exhausted: set[str] = set()
        self.armed = False
        self.timed = False
        self.previous = None

    def __enter__(self):
        self.timed = (bool(self.compiled) and hasattr(signal, "setitimer")
                      and threading.current_thread() is threading.main_thread())
        if self.timed:
            self.previous = signal.signal(signal.SIGALRM, self._alarm)
        return self

    def __exit__(self, *exc):
        if self.timed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous or signal.SIG_DFL)
        return False

    def _alarm(self, signum, frame):
        if self.armed:
            raise _PatternTimeout()

    def fullmatch(self, name: str, raw: str) -> bool | None:
        """Whether ``raw`` matches field ``name``'s pattern; None if the time ran out."""
        if name in self.exhausted:
            return True
        pattern = self.compiled[name]
        if not self.timed:
            return pattern.fullmatch(raw) is not None
        left = PATTERN_SECONDS - self.spent.get(name, 0.0)
        t0 = time.perf_counter()
        try:
            self.armed = True
            signal.setitimer(signal.ITIMER_REAL, max(left, 0.001))
            return pattern.fullmatch(raw) is not None
        except _PatternTimeout:
            self.exhausted.add(name)
            return None
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            self.armed = False
            self.spent[name] = self.spent.get(name, 0.0) + time.perf_counter() - t0


def _key_label(cells: list[str], names: list[str], pk: list[str]) -> str | None:
    if len(pk) != 1 or pk[0] not in names:
        return None
    i = names.index(pk[0])
    return f"{pk[0]} '{cells[i]}'" if i < len(cells) and cells[i] else None


def _header_error(header: list[str], names: list[str], fname: str) -> DataError | None:
    if header == names:
        return None
    expected = ",".join(names)
    ctx = dict(file=fname, line=1, rule="header")
    if header and header[0].startswith("\ufeff"):
        return DataError("the header starts with a byte-order mark. Save the file as UTF-8 without BOM.",
                         field=header[0].lstrip("\ufeff"), **ctx)
    absent = [n for n in names if n not in header]
    extra = [h for h in header if h not in names]
    if absent:
        return DataError(f"column '{absent[0]}' is missing from the header. The header must be exactly: "
                         f"{expected}", field=absent[0], **ctx)
    if extra:
        return DataError(f"column '{extra[0]}' is not in the schema. Remove it, or add the field to "
                         f"datapackage.json first. The header must be exactly: {expected}",
                         field=extra[0], **ctx)
    if len(header) != len(set(header)):
        dup = next(h for h in header if header.count(h) > 1)
        return DataError(f"column '{dup}' appears twice in the header. The header must be exactly: "
                         f"{expected}", field=dup, **ctx)
    pos = next(i for i, (h, n) in enumerate(zip(header, names)) if h != n)
    return DataError(f"columns are out of order: position {pos + 1} holds '{header[pos]}' but the schema "
                     f"expects '{names[pos]}'. The header must be exactly: {expected}",
                     field=names[pos], **ctx)


def _cell(spec: dict, raw: str, missing_values: list[str], resource: str, ctx: dict,
          patterns: _Patterns | None = None):
    """Parse one cell by its field type and check its constraints; return (value, error or None)."""
    name, ftype = spec["name"], spec.get("type", "string")
    cons = spec.get("constraints", {})
    if raw in missing_values:
        if cons.get("required"):
            if resource == "numbers" and name in ("source_id", "location"):
                msg = (f"'{name}' is empty, but every published number needs its provenance (the source "
                       "document and where in it the number appears). Fill it in, or remove the row.")
            else:
                msg = f"a value is required here. Fill in '{name}': {spec.get('description', '').rstrip('.')}."
            return None, DataError(msg, field=name, rule="required", **ctx)
        return None, None
    value: Any
    if ftype == "string":
        value = raw
        err = _text_error(spec, raw, ctx)
        if err:
            return raw, err
        if spec.get("format") == "uri" and not _URI_RE.match(raw):
            return raw, DataError(f"'{raw}' is not a URI. Give a full address such as https://doi.org/...",
                                  field=name, rule="type", **ctx)
    elif ftype == "integer":
        if not _INT_RE.match(raw) or len(raw) > 19:
            return None, _type_error(_shown(raw), "an integer (at most 18 digits)", name, ctx)
        value = int(raw)
    elif ftype == "number":
        if not _NUM_RE.match(raw):
            return None, _type_error(_shown(raw), "a number (digits with '.' as decimal point)", name, ctx)
        value = float(raw)
        if not math.isfinite(value):
            return None, DataError(f"'{raw}' is too large to be a number the analysis can compute with "
                                   f"(above {sys.float_info.max:.3g}). Correct the value.", field=name,
                                   rule="type", **ctx)
    elif ftype == "boolean":
        trues, falses = spec.get("trueValues", _TRUE), spec.get("falseValues", _FALSE)
        if raw in trues:
            value = True
        elif raw in falses:
            value = False
        else:
            return None, _type_error(raw, f"a boolean ({trues[0]} or {falses[0]})", name, ctx)
    elif ftype == "year":
        if not _YEAR_RE.match(raw):
            return None, _type_error(raw, "a four-digit year", name, ctx)
        value = int(raw)
    else:
        return None, DataError(f"field type '{ftype}' is not supported by analysis.data. Use string, "
                               "integer, number, boolean or year.", field=name, rule="descriptor", **ctx)
    if "enum" in cons and value not in cons["enum"]:
        allowed = ", ".join(repr(v) for v in cons["enum"])
        return value, DataError(f"'{raw}' is not an allowed value. Use one of: {allowed}.",
                                field=name, rule="enum", **ctx)
    if "pattern" in cons and ftype == "string":
        matched = (patterns.fullmatch(name, raw) if patterns is not None and name in patterns.compiled
                   else re.fullmatch(cons["pattern"], raw) is not None)
        if matched is None:
            return value, DataError(
                f"checking the cells of this field against its pattern {cons['pattern']} took more than "
                f"{PATTERN_SECONDS:g} s (analysis.data.PATTERN_SECONDS), here on a {len(raw)}-character "
                "cell. The pattern has nested or overlapping repetition, such as (a|aa)+, whose time "
                "grows exponentially with the text: rewrite it in datapackage.json so that each "
                "character can match only one way (for example a+).", field=name, rule="pattern-time",
                **ctx)
        if not matched:
            return value, DataError(f"'{raw}' does not match the pattern {cons['pattern']}. Correct the "
                                    f"value ({spec.get('description', '').rstrip('.')}).", field=name,
                                    rule="pattern", **ctx)
    if "minimum" in cons and value < cons["minimum"]:
        return value, DataError(f"{raw} is below the minimum {cons['minimum']}. Correct the value.",
                                field=name, rule="minimum", **ctx)
    if "maximum" in cons and value > cons["maximum"]:
        return value, DataError(f"{raw} is above the maximum {cons['maximum']}. Correct the value.",
                                field=name, rule="maximum", **ctx)
    return value, None


def _text_error(spec: dict, raw: str, ctx: dict) -> DataError | None:
    """The first rule a text cell breaks (control character, HTML tag, length, URL scheme), or None."""
    name = spec["name"]
    for i, ch in enumerate(raw):
        category = unicodedata.category(ch)
        if category == "Cc" or ch in _CONTROL_NAMES:
            what = _CONTROL_NAMES.get(ch, f"the control character U+{ord(ch):04X}")
            return DataError(f"the text holds {what} at character {i + 1}. A cell is one line of plain "
                             "text: replace it with a space or remove it.",
                             field=name, rule="control-character", **ctx)
        if category == "Cf":
            return DataError(f"the text holds the invisible format character U+{ord(ch):04X} "
                             f"({unicodedata.name(ch, 'unnamed')}) at character {i + 1}; such characters "
                             "change how text looks (a right-to-left override shows it reversed) without "
                             "changing what is stored. Remove it.",
                             field=name, rule="format-character", **ctx)
    m = _TAG_RE.search(raw)
    if m:
        end = raw.find(">", m.start())
        shown = raw[m.start():end + 1] if 0 <= end - m.start() < 60 else raw[m.start():m.start() + 24] + "..."
        return DataError(f"'{shown}' (at character {m.start() + 1}) is HTML markup. Cells hold plain text, "
                         "which the report prints literally: remove the tag, or write '< ' with a space "
                         "(or 'less than') for a comparison.", field=name, rule="html-tag", **ctx)
    limit = spec.get("constraints", {}).get("maxLength", MAX_TEXT_LENGTH)
    if len(raw) > limit:
        return DataError(f"the text is {len(raw)} characters long; a cell holds at most {limit}. Shorten "
                         "it to the fact itself (explanations belong in the report's prose).",
                         field=name, rule="max-length", **ctx)
    m = _SCHEME_RE.match(raw)
    if spec.get("format") == "uri" and m and m.group(1).lower() not in _URL_SCHEMES:
        return DataError(f"'{m.group(1)}:' links are not allowed; a source is linked only over "
                         f"{' or '.join(_URL_SCHEMES)}. Give the source's https:// address.",
                         field=name, rule="url-scheme", **ctx)
    return None


def _shown(raw: str) -> str:
    """A cell as quoted in a message: whole when short, else its start and its length."""
    return raw if len(raw) <= 60 else f"{raw[:40]}... ({len(raw)} characters)"


def _type_error(raw: str, what: str, name: str, ctx: dict) -> DataError:
    return DataError(f"'{raw}' is not {what}. Correct the value, or leave the cell empty if it is unknown "
                     "and the field is optional.", field=name, rule="type", **ctx)


def _ctx(table: _Table, i: int, fname: str, pkname: str | None) -> dict:
    row = table.rows[i]
    key = f"{pkname} '{row.get(pkname)}'" if pkname and row.get(pkname) is not None else None
    return dict(file=fname, row=i + 1, line=table.lines[i], key=key)


def _pk_list(res: dict) -> list[str]:
    pk = res["schema"].get("primaryKey") or []
    return [pk] if isinstance(pk, str) else list(pk)


def _pk_name(res: dict) -> str | None:
    pk = _pk_list(res)
    return pk[0] if len(pk) == 1 else None


def _foreign_keys(tables: dict[str, _Table], resources: dict[str, dict], files: dict[str, str]):
    errors: list[DataError] = []
    for name, res in resources.items():
        table, schema = tables[name], res["schema"]
        pkname = _pk_name(res)
        specs = [(fk, False) for fk in schema.get("foreignKeys", [])]
        specs += [(fk, True) for fk in schema.get("x-listForeignKeys", [])]
        for fk, is_list in specs:
            fields = fk["fields"] if isinstance(fk["fields"], list) else [fk["fields"]]
            ref = fk["reference"]
            target = ref.get("resource") or name
            rfields = ref["fields"] if isinstance(ref["fields"], list) else [ref["fields"]]
            if target not in tables or not tables[target].ok and not tables[target].rows:
                continue
            known = {tuple(r.get(f) for f in rfields) for r in tables[target].rows}
            if rfields == _pk_list(resources[target]):
                known |= tables[target].unread_keys
            for i, row in enumerate(table.rows):
                if is_list:
                    raw = row.get(fields[0])
                    keys = [] if raw is None else [(k,) for k in str(raw).split(fk.get("separator", ";"))]
                else:
                    keys = [tuple(row.get(f) for f in fields)]
                for kv in keys:
                    if any(v is None for v in kv) or kv in known:
                        continue
                    shown = ", ".join(str(v) for v in kv)
                    errors.append(DataError(
                        f"'{shown}' is not a {'/'.join(rfields)} in {files[target]}. Correct the id, or add "
                        f"the missing row to {files[target]}.",
                        field=fields[0], rule="foreign-key", **_ctx(table, i, files[name], pkname)))
    return errors


def _domain(tables: dict[str, _Table], resources: dict[str, dict], files: dict[str, str],
            descriptor: dict | None = None):
    """Rules a Table Schema cannot express: plausible values, intervals, provenance consistency."""
    errors: list[DataError] = []
    studies = {r["study_id"]: r for r in tables["studies"].rows}
    sources = {r["source_id"]: r for r in tables["sources"].rows}

    t = tables["sources"]
    for i, r in enumerate(t.rows):
        want = _TAG_FOR_KIND.get(r["kind"])
        if want and r["tag"] and r["tag"] != want:
            errors.append(DataError(
                f"a '{r['kind']}' source must carry tag {want}, not {r['tag']} (A abstract, R registry, "
                "N news/secondary). Correct the tag or the kind.",
                field="tag", rule="tag-kind", **_ctx(t, i, files["sources"], "source_id")))

    t = tables["numbers"]
    for i, r in enumerate(t.rows):
        ctx = _ctx(t, i, files["numbers"], "number_id")
        err = _number_rule(r, studies, sources, files)
        if err:
            msg, fld, rule = err
            errors.append(DataError(msg, field=fld, rule=rule, **ctx))

    # RoB 2: each domain of the tool judged exactly once (uniqueness and the allowed
    # names and judgments are schema constraints; completeness is checked here).
    t = tables["rob2"]
    if t.ok:
        spec = next(f for f in resources["rob2"]["schema"]["fields"] if f["name"] == "domain")
        have = {r["domain"] for r in t.rows}
        absent = [d for d in spec["constraints"]["enum"] if d not in have]
        if absent:
            errors.append(DataError(
                f"domain '{absent[0]}' has no judgment; RoB 2 for crossover trials judges every domain. "
                "Add a row with its judgment (low, some concerns or high) and a one-line reason.",
                file=files["rob2"], field="domain", rule="rob2-domains"))
    errors.extend(_pooling_rules(tables, files))
    errors.extend(_descriptor_sources(tables, descriptor or {}, files))
    return errors


def _pooling_rules(tables: dict[str, _Table], files: dict[str, str]) -> list[DataError]:
    """The trial roster: each pooled row has exactly the inputs its conversion takes, each a
    number of the same study; a row is pooled or excluded with a reason; every later trial has
    a row; the sets the analysis names exist."""
    errors: list[DataError] = []
    t, fname = tables["pooling"], files["pooling"]
    studies = {r["study_id"]: r for r in tables["studies"].rows}
    numbers = {r["number_id"]: r for r in tables["numbers"].rows}
    for i, r in enumerate(t.rows):
        ctx = _ctx(t, i, fname, "study_id")
        sid, conv = r["study_id"], r["conversion"]
        if r["sets"] and r["excluded"]:
            errors.append(DataError("the study is both pooled (sets) and excluded (excluded). Empty one of "
                                    "the two.", field="excluded", rule="pooled-or-excluded", **ctx))
        elif not r["sets"] and not r["excluded"]:
            errors.append(DataError("the study is neither pooled nor excluded. List the analysis sets it "
                                    f"belongs to in 'sets' (names from {files['pooling_sets']}), or say "
                                    "in 'excluded' why it is not pooled.", field="sets",
                                    rule="pooled-or-excluded", **ctx))
        if not r["sets"]:
            continue
        study = studies.get(sid) or {}
        later, main = REQUIRED_SETS[1], REQUIRED_SETS[0]
        in_sets = r["sets"].split(";")
        if study.get("role") == "later-trial" and later not in in_sets:
            errors.append(DataError(
                f"a pooled later trial belongs in the set '{later}' (the report counts and pools the later "
                f"trials from it). Add '{later}' to 'sets', or exclude the study with a reason.",
                field="sets", rule="set-membership", **ctx))
        if later in in_sets and study and study.get("role") != "later-trial":
            errors.append(DataError(
                f"'{later}' holds only studies with role later-trial in {files['studies']}; this one is "
                f"'{study.get('role')}'. Remove '{later}' from 'sets', or correct the role.",
                field="sets", rule="set-membership", **ctx))
        if main in in_sets and study and study.get("randomized") is not True:
            errors.append(DataError(
                f"'{main}' holds only randomized studies; {files['studies']} does not mark this one "
                f"randomized. Remove '{main}' from 'sets', or correct 'randomized' there.",
                field="sets", rule="set-membership", **ctx))
        if conv is None:
            errors.append(DataError("a pooled study needs a conversion to Hedges' g. Fill in 'conversion' "
                                    f"({', '.join(CONVERSION_INPUTS)}).", field="conversion",
                                    rule="conversion-inputs", **ctx))
            continue
        if r["direction"] is None:
            errors.append(DataError("a pooled study needs a direction: ldn_better if its result favours "
                                    "LDN (less pain on LDN), placebo_better otherwise.", field="direction",
                                    rule="conversion-inputs", **ctx))
        need = CONVERSION_INPUTS[conv]
        for col in POOLING_INPUTS:
            val = r[col]
            if col in need and val is None:
                errors.append(DataError(
                    f"conversion '{conv}' needs '{col}' (it takes {', '.join(need)}). Fill in the "
                    f"number_id from {files['numbers']}.", field=col, rule="conversion-inputs", **ctx))
            elif col not in need and val is not None:
                errors.append(DataError(
                    f"conversion '{conv}' does not use '{col}' (it takes {', '.join(need)}). Empty the "
                    "cell, or choose the conversion that uses it.", field=col, rule="conversion-inputs",
                    **ctx))
            elif val is not None and col == "n" and val == ANALYSED_N:
                if (studies.get(sid) or {}).get("role") != "index-trial":
                    errors.append(DataError(
                        f"'{ANALYSED_N}' (the report's analysed n) stands only for the index trial's n. "
                        f"Give this study's number of participants as a number_id from {files['numbers']}.",
                        field=col, rule="conversion-inputs", **ctx))
            elif val is not None:
                num = numbers.get(val)
                if num is None:
                    read = tables["numbers"].ok or tables["numbers"].rows  # else: not a second problem
                    if col == "n" and read:  # the other columns are foreign keys, reported already
                        errors.append(DataError(
                            f"'{val}' is not a number_id in {files['numbers']}. Correct the id, or add the "
                            "missing row.", field=col, rule="foreign-key", **ctx))
                    continue
                if num["study_id"] != sid:
                    errors.append(DataError(
                        f"'{val}' is a number of study '{num['study_id']}', not of '{sid}'. Use a number "
                        "of this study.", field=col, rule="conversion-inputs", **ctx))
                want = _INPUT_STATISTICS.get(col)
                if want and num["statistic"] not in want:
                    errors.append(DataError(
                        f"'{val}' has statistic '{num['statistic']}', but '{col}' takes "
                        f"{' or '.join(want)}. Choose the right number.", field=col,
                        rule="conversion-inputs", **ctx))
                if conv == "md_ci" and col == "estimate" and (num["low"] is None or num["high"] is None):
                    errors.append(DataError(
                        f"conversion 'md_ci' needs the 95% CI of '{val}' in its low and high columns in "
                        f"{files['numbers']}; they are empty. Fill them in, or use another conversion.",
                        field=col, rule="conversion-inputs", **ctx))
    have = {r["study_id"] for r in t.rows}
    st = tables["studies"]
    if t.ok:
        for i, r in enumerate(st.rows):
            if r["role"] == "later-trial" and r["study_id"] not in have:
                errors.append(DataError(
                    f"later trial '{r['study_id']}' is not in {fname}. Add a row there: pool it (conversion, "
                    "direction, its numbers, sets) or say in 'excluded' why it is not pooled.",
                    field="role", rule="later-trial-roster", **_ctx(st, i, files["studies"], "study_id")))
    ts = tables["pooling_sets"]
    if ts.ok:
        names = {r["set"] for r in ts.rows}
        for name in REQUIRED_SETS:
            if name not in names:
                errors.append(DataError(
                    f"the analysis set '{name}' is missing; the analysis uses it by name. Add a row "
                    f"'{name}' with its description.", file=files["pooling_sets"], field="set",
                    rule="required-set"))
        used = {s for r in t.rows if r["sets"] for s in r["sets"].split(";")}
        for i, r in enumerate(ts.rows):
            if t.ok and r["set"] not in used:
                errors.append(DataError(
                    f"no study in {fname} is pooled in '{r['set']}'. Add it to a study's 'sets', or "
                    "remove the set.", field="set", rule="empty-set",
                    **_ctx(ts, i, files["pooling_sets"], "set")))
    return errors


def _descriptor_sources(tables: dict[str, _Table], descriptor: dict, files: dict[str, str]
                        ) -> list[DataError]:
    """datapackage.json's 'sources' and sources.csv name the same documents: every link of
    datapackage.json is a url in sources.csv, and every url of an abstract, protocol or
    registry (tags A and R) in sources.csv is in datapackage.json (news, tag N, is covered
    by one entry without a link)."""
    errors: list[DataError] = []
    t = tables["sources"]
    if not t.ok:
        return errors
    dname = files["sources"].rsplit("/", 1)[0] + "/" + DESCRIPTOR
    listed = [s.get("path") for s in descriptor.get("sources", []) if s.get("path")]
    urls = {r["url"] for r in t.rows if r["url"]}
    for path in listed:
        if path not in urls:
            errors.append(DataError(
                f"its 'sources' list {path}, which no row of {files['sources']} has as its url. Correct "
                f"the path, add the source to {files['sources']}, or remove the entry.",
                file=dname, field="sources", rule="descriptor-sources"))
    for i, r in enumerate(t.rows):
        if r["url"] and r["tag"] in ("A", "R") and r["url"] not in listed:
            errors.append(DataError(
                f"url {r['url']} is not in the 'sources' list of {dname}. Add "
                f'{{"title": "...", "path": "{r["url"]}"}} there.', field="url",
                rule="descriptor-sources", **_ctx(t, i, files["sources"], "source_id")))
    return errors


def _number_rule(r: dict, studies: dict, sources: dict, files: dict) -> tuple[str, str, str] | None:
    v, lo, hi, stat = r["value"], r["low"], r["high"], r["statistic"]
    if v is None or stat is None:
        return None
    if stat == "p" and not 0 < v <= 1:
        return (f"P value {v:g} is outside (0, 1]. Correct the value or the statistic column.", "value", "p-range")
    if stat in ("percent", "i2") and not 0 <= v <= 100:
        what = "I² value" if stat == "i2" else "percentage"
        return (f"{what} {v:g} is outside [0, 100]. Correct the value, or use statistic percent_change "
                "for a change that can fall outside that range.", "value", "percent-range")
    if stat in ("n", "count") and (v < 0 or v > MAX_COUNT or v != int(v)):
        return (f"a count of {v:g} is not a whole number from 0 to {MAX_COUNT:,} (analysis.data.MAX_COUNT). "
                "Correct the value or the statistic.", "value", "count")
    if (lo is None) != (hi is None):
        missing = "high" if hi is None else "low"
        return (f"the interval has only one limit. Fill in '{missing}' as well, or leave both empty.",
                missing, "interval")
    if lo is not None:
        if not lo < hi:
            return (f"the interval limits are out of order (low {lo:g} is not below high {hi:g}). "
                    "Swap or correct them.", "low", "interval-order")
        if not lo <= v <= hi:
            return (f"value {v:g} lies outside its interval [{lo:g}, {hi:g}]. Correct the value or the "
                    "limits.", "value", "interval-contains")
    if stat == "p" and lo is not None:
        return ("a P value cannot have an interval. Leave low and high empty.", "low", "interval")
    src = sources.get(r["source_id"])
    if src is not None and r["study_id"] in studies and src["study_id"] != r["study_id"]:
        return (f"source '{r['source_id']}' reports on study '{src['study_id']}', not '{r['study_id']}'. "
                "Correct the study_id or the source_id.", "source_id", "source-study")
    study = studies.get(r["study_id"])
    if study is not None and r["number_id"] and not r["number_id"].startswith(study["id_prefix"] + "."):
        return (f"the number_id of a '{r['study_id']}' number must start with '{study['id_prefix']}.' "
                f"(its id_prefix in {files['studies']}). Rename the id.", "number_id", "id-prefix")
    if r["confirmed"] is False and not r["note"]:
        return ("an unconfirmed number needs a note saying why it is unconfirmed. Add a short note.",
                "note", "unconfirmed-note")
    return None


def _frame(table: _Table, res: dict) -> pd.DataFrame:
    pd = _pd()
    fields = res["schema"]["fields"]
    cols: dict[str, Any] = {}
    for spec in fields:
        name, ftype = spec["name"], spec.get("type", "string")
        values = [r[name] for r in table.rows]
        if ftype == "number":
            cols[name] = pd.array([math.nan if v is None else v for v in values], dtype="float64")
        elif ftype in ("integer", "year"):
            cols[name] = pd.array(values, dtype="Int64")
        elif ftype == "boolean":
            cols[name] = pd.array(values, dtype="boolean")
        else:
            cols[name] = pd.array(values, dtype="object")
    df = pd.DataFrame(cols)
    pk = _pk_name(res)
    return df.set_index(pk) if pk else df
