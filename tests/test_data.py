"""The data package: the shipped tables load and pass; every kind of bad input is caught
with the right file, line, row, field and rule; published values match the evidence brief."""
from __future__ import annotations

import csv
import json
import math
import shutil
import time
from pathlib import Path

import pytest

from analysis import data as D

DATA = D.DEFAULT_ROOT


@pytest.fixture(scope="module")
def pkg() -> D.Package:
    return D.load()


# --------------------------------------------------------------------------- shipped package

def test_shipped_package_is_valid():
    assert D.validate() == []


def test_frames_indexed_by_primary_key(pkg):
    assert pkg.studies.index.name == "study_id"
    assert pkg.sources.index.name == "source_id"
    assert pkg.numbers.index.name == "number_id"
    assert pkg.claims.index.name == "claim_id"
    assert pkg.numbers.index.is_unique


def test_every_number_has_provenance(pkg):
    for nid, row in pkg.numbers.iterrows():
        assert isinstance(row["source_id"], str) and row["source_id"], nid
        assert isinstance(row["location"], str) and row["location"].strip(), nid
        prov = pkg.provenance(nid)
        assert prov["tag"] in {"A", "R", "N"}
        assert prov["bib_key"]
        if not prov["confirmed"]:
            assert prov["note"], f"{nid} is unconfirmed but says not why"


def test_every_claim_number_resolves(pkg):
    assert 20 <= len(pkg.claims) <= 40  # one claim per row: the post makes about two dozen
    for cid in pkg.claims.index:
        for nid in pkg.claim_numbers(cid):
            assert nid in pkg.numbers.index, (cid, nid)


def test_claims_hold_no_typed_numbers(pkg):
    # design.md: prose never holds a typed number; figures travel in number_ids / claimed_value
    for cid, text in pkg.claims["paraphrase"].items():
        assert not any(ch.isdigit() for ch in text), cid
    for cid, text in pkg.claims["short"].items():
        assert not any(ch.isdigit() for ch in text), cid


def test_every_source_and_study_is_used(pkg):
    assert set(pkg.numbers["source_id"]) == set(pkg.sources.index)
    assert set(pkg.numbers["study_id"]) == set(pkg.studies.index)


def test_descriptor_documents_every_field():
    desc = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    assert desc["profile"] == "tabular-data-package"
    assert desc["licenses"] and desc["sources"]
    for res in desc["resources"]:
        assert res["profile"] == "tabular-data-resource"
        assert res["schema"]["primaryKey"]
        for f in res["schema"]["fields"]:
            assert f.get("description"), (res["name"], f["name"])
            assert f["type"] in {"string", "integer", "number", "boolean", "year"}
        with open(DATA / res["path"], newline="", encoding="utf-8") as fh:
            assert next(csv.reader(fh)) == [f["name"] for f in res["schema"]["fields"]]


def test_load_is_fast():
    D.load()
    t = time.perf_counter()
    D.load()
    assert time.perf_counter() - t < 0.3


def test_unknown_ids_raise_clear_keyerror(pkg):
    with pytest.raises(KeyError, match=r"no\.such\.id.*data/numbers\.csv"):
        pkg.value("no.such.id")
    with pytest.raises(KeyError, match=r"c99.*data/claims\.csv"):
        pkg.claim_numbers("c99")


# --------------------------------------------------------------------------- published values
# Expected values are typed from the evidence brief (facts.md) and the abstracts it cites.

def test_published_values(pkg):
    """The loader returns each number and its source tag as the file holds them (read here with the
    csv module), and the values double-entered from their sources are still those (a snapshot:
    tests/snapshot.json; refresh with `make snapshot` after a deliberate erratum)."""
    from tests.published import values
    from tests.snapshot import PUBLISHED, expect
    raw = values(DATA)
    assert {nid: pkg.value(nid) for nid in pkg.numbers.index} == pytest.approx(raw, abs=1e-12)
    expect("published_values", {nid: [pkg.value(nid), pkg.provenance(nid)["tag"]] for nid in PUBLISHED})


def test_registry_flow_adds_up(pkg):
    # registry participant flow: 16 + 15 started, 15 + 14 completed (facts.md S1)
    assert pkg.value("y13.n.started.ldn-first") + pkg.value("y13.n.started.placebo-first") == 31
    assert pkg.value("y13.n.completed.ldn-first") + pkg.value("y13.n.completed.placebo-first") == 29


@pytest.mark.parametrize("nid, est, low, high", [
    ("fin.pain.difference", -0.34, -0.95, 0.27),
    ("fin.pain.change.ldn", -1.3, -1.7, -0.8),
    ("vat24.pain.md", -0.86, -1.20, -0.51),
    ("ams25.pain.smd", -0.61, -1.14, -0.08),
    ("ams25.vivid-dreams.rr", 2.41, 1.77, 3.28),
    ("olo25.pain.smd", -0.50, -1.19, 0.19),
])
def test_published_intervals(pkg, nid, est, low, high):
    row = pkg.number(nid)
    assert (row["value"], row["low"], row["high"]) == pytest.approx((est, low, high))


def test_p_values_carry_no_interval(pkg):
    ps = pkg.numbers[pkg.numbers["statistic"] == "p"]
    assert len(ps) >= 10
    assert ps["low"].map(math.isnan).all() and ps["high"].map(math.isnan).all()


# --------------------------------------------------------------------------- bad inputs

def _read(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _write(path: Path, rows: list[list[str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def _set(root: Path, file: str, key: str, field: str, value: str) -> int:
    """Set one cell; return the 1-based data row that was changed."""
    rows = _read(root / file)
    col = rows[0].index(field)
    i = next(i for i, r in enumerate(rows) if i and r[0] == key)
    rows[i][col] = value
    _write(root / file, rows)
    return i


def _row_of(root: Path, file: str, key: str) -> int:
    return next(i for i, r in enumerate(_read(root / file)) if i and r[0] == key)


def _columns(root: Path, file: str, fn) -> None:
    _write(root / file, [fn(r) for r in _read(root / file)])


def _drop_unit(r):
    return r[:10] + r[11:]


def _swap_low_high(r):
    return r[:8] + [r[9], r[8]] + r[10:]


def _extra_cell(root):
    rows = _read(root / "numbers.csv")
    i = _row_of(root, "numbers.csv", "y13.mood.p")
    rows[i].append("surplus")
    _write(root / "numbers.csv", rows)
    return i


# Each case: (id, mutate(root) -> row or None, file, field, rule, text the message must contain)
CASES = [
    ("p-out-of-range", lambda r: _set(r, "numbers.csv", "y13.pain.p", "value", "1.3"),
     "numbers.csv", "value", "p-range", "P value 1.3 is outside (0, 1]"),
    ("p-zero", lambda r: _set(r, "numbers.csv", "fin.pain.p", "value", "0"),
     "numbers.csv", "value", "p-range", "outside (0, 1]"),
    ("percent-out-of-range", lambda r: _set(r, "numbers.csv", "y13.responders.ldn", "value", "132"),
     "numbers.csv", "value", "percent-range", "outside [0, 100]"),
    ("i2-negative", lambda r: _set(r, "numbers.csv", "olo25.pain.i2", "value", "-5"),
     "numbers.csv", "value", "percent-range", "outside [0, 100]"),
    ("value-outside-interval", lambda r: _set(r, "numbers.csv", "fin.pain.difference", "low", "0.1"),
     "numbers.csv", "value", "interval-contains", "outside its interval"),
    ("interval-reversed",
     lambda r: (_set(r, "numbers.csv", "fin.pain.difference", "low", "0.27"),
                _set(r, "numbers.csv", "fin.pain.difference", "high", "-0.95"))[0],
     "numbers.csv", "low", "interval-order", "out of order"),
    ("interval-one-limit", lambda r: _set(r, "numbers.csv", "vat24.pain.md", "high", ""),
     "numbers.csv", "high", "interval", "only one limit"),
    ("count-not-whole", lambda r: _set(r, "numbers.csv", "y13.n.participants.all", "value", "31.5"),
     "numbers.csv", "value", "count", "whole number"),
    ("unknown-study", lambda r: _set(r, "numbers.csv", "y13.pain.p", "study_id", "younger2031"),
     "numbers.csv", "study_id", "foreign-key", "'younger2031' is not a study_id in data/studies.csv"),
    ("unknown-source", lambda r: _set(r, "numbers.csv", "y13.pain.p", "source_id", "younger2013-fulltext"),
     "numbers.csv", "source_id", "foreign-key", "not a source_id in data/sources.csv"),
    ("source-unknown-study", lambda r: _set(r, "sources.csv", "bested2023-abstract", "study_id", "bested2032"),
     "sources.csv", "study_id", "foreign-key", "not a study_id"),
    ("claim-unknown-number", lambda r: _set(r, "claims.csv", "c07", "number_ids", "y13.pain.p;y13.pain.q"),
     "claims.csv", "number_ids", "foreign-key", "'y13.pain.q' is not a number_id"),
    ("duplicate-key", lambda r: _set(r, "numbers.csv", "y13.mood.p", "number_id", "y13.pain.p"),
     "numbers.csv", "number_id", "primary-key", "duplicate key"),
    ("duplicate-study", lambda r: _set(r, "studies.csv", "bested2023", "study_id", "younger2013"),
     "studies.csv", "study_id", "primary-key", "duplicate key"),
    ("duplicate-unique", lambda r: _set(r, "studies.csv", "bested2023", "id_prefix", "y13"),
     "studies.csv", "id_prefix", "unique", "must be unique"),
    ("empty-source", lambda r: _set(r, "numbers.csv", "y13.mood.p", "source_id", ""),
     "numbers.csv", "source_id", "required", "provenance"),
    ("empty-location", lambda r: _set(r, "numbers.csv", "y13.mood.p", "location", ""),
     "numbers.csv", "location", "required", "provenance"),
    ("empty-required", lambda r: _set(r, "studies.csv", "final2024", "label", ""),
     "studies.csv", "label", "required", "value is required"),
    ("not-a-number", lambda r: _set(r, "numbers.csv", "y13.mood.p", "value", "0.039*"),
     "numbers.csv", "value", "type", "is not a number"),
    ("decimal-comma", lambda r: _set(r, "numbers.csv", "y13.pain.reduction.ldn", "value", "28,8"),
     "numbers.csv", "value", "type", "is not a number"),
    ("not-a-boolean", lambda r: _set(r, "numbers.csv", "y13.mood.p", "confirmed", "yes"),
     "numbers.csv", "confirmed", "type", "not a boolean"),
    ("not-a-year", lambda r: _set(r, "studies.csv", "bested2023", "year", "23"),
     "studies.csv", "year", "type", "four-digit year"),
    ("not-in-enum", lambda r: _set(r, "numbers.csv", "y13.mood.p", "arm", "drug"),
     "numbers.csv", "arm", "enum", "not an allowed value"),
    ("bad-pattern", lambda r: _set(r, "numbers.csv", "y13.n.withdrawn.ldn-first", "number_id", "Y13 withdrawn"),
     "numbers.csv", "number_id", "pattern", "does not match the pattern"),
    ("bad-url", lambda r: _set(r, "sources.csv", "bested2023-abstract", "url", "doi.org/10.1097"),
     "sources.csv", "url", "type", "not a URI"),
    ("source-of-other-study", lambda r: _set(r, "numbers.csv", "y13.pain.p", "source_id", "final2024-abstract"),
     "numbers.csv", "source_id", "source-study", "reports on study 'final2024'"),
    ("id-prefix", lambda r: _set(r, "numbers.csv", "fin.n.lost.all", "number_id", "lost.all"),
     "numbers.csv", "number_id", "id-prefix", "must start with 'fin.'"),
    ("tag-kind", lambda r: _set(r, "sources.csv", "nct00568555-registry", "tag", "A"),
     "sources.csv", "tag", "tag-kind", "must carry tag R"),
    ("unconfirmed-without-note", lambda r: _set(r, "numbers.csv", "y13.conf.symptoms.f-df1", "note", ""),
     "numbers.csv", "note", "unconfirmed-note", "needs a note"),
    ("row-length", _extra_cell, "numbers.csv", None, "row-length", "cells but the header has"),
    ("header-missing-column", lambda r: _columns(r, "numbers.csv", _drop_unit),
     "numbers.csv", "unit", "header", "column 'unit' is missing"),
    ("header-extra-column", lambda r: _columns(r, "claims.csv", lambda row: row + ["x"]),
     "claims.csv", "x", "header", "not in the schema"),
    ("header-reordered", lambda r: _columns(r, "numbers.csv", _swap_low_high),
     "numbers.csv", "low", "header", "out of order"),
    ("missing-file", lambda r: (r / "claims.csv").unlink(),
     "claims.csv", None, "missing-file", "file is missing"),
    # Text cells: one line of plain text (the report prints them literally).
    ("control-tab", lambda r: _set(r, "claims.csv", "c03", "paraphrase", "LDN helps\ta meaningful share."),
     "claims.csv", "paraphrase", "control-character", "a tab at character 10"),
    ("control-line-break", lambda r: _set(r, "rob2.csv", "missing outcome data", "reason", "Some women\nleft."),
     "rob2.csv", "reason", "control-character", "a line break at character 11"),
    ("control-escape", lambda r: _set(r, "studies.csv", "final2024", "label", "FINAL\x1b[31m 2024"),
     "studies.csv", "label", "control-character", "U+001B"),
    ("html-tag", lambda r: _set(r, "claims.csv", "c01", "paraphrase",
                                'A <b onmouseover="alert(1)">as</b> breakthrough.'),
     "claims.csv", "paraphrase", "html-tag", "'<b onmouseover=\"alert(1)\">' (at character 3) is HTML markup"),
    ("html-script", lambda r: _set(r, "rob2.csv", "missing outcome data", "reason", "<script>alert(2)</script>"),
     "rob2.csv", "reason", "html-tag", "is HTML markup"),
    ("html-end-tag", lambda r: _set(r, "numbers.csv", "y13.mood.p", "location", "abstract</td>"),
     "numbers.csv", "location", "html-tag", "'</td>'"),
    ("html-comment", lambda r: _set(r, "studies.csv", "final2024", "label", "FINAL <!-- x --> 2024"),
     "studies.csv", "label", "html-tag", "'<!-- x -->"),
    ("html-processing-instruction", lambda r: _set(r, "sources.csv", "bested2023-abstract", "description",
                                                   "<?php echo 1; ?>"),
     "sources.csv", "description", "html-tag", "is HTML markup"),
    ("url-javascript", lambda r: _set(r, "sources.csv", "bested2023-abstract", "url", "javascript:alert(1)"),
     "sources.csv", "url", "url-scheme", "'javascript:' links are not allowed"),
    ("url-javascript-slashes", lambda r: _set(r, "sources.csv", "bested2023-abstract", "url",
                                              "JavaScript://%0Aalert(1)"),
     "sources.csv", "url", "url-scheme", "'JavaScript:' links are not allowed"),
    ("url-data", lambda r: _set(r, "sources.csv", "bested2023-abstract", "url", "data:text/html;base64,PGI+"),
     "sources.csv", "url", "url-scheme", "only over http or https"),
    ("url-ftp", lambda r: _set(r, "sources.csv", "bested2023-abstract", "url", "ftp://example.org/x.pdf"),
     "sources.csv", "url", "url-scheme", "'ftp:'"),
    ("too-long", lambda r: _set(r, "claims.csv", "c07", "paraphrase", "Pain fell. " * 30),
     "claims.csv", "paraphrase", "max-length", f"{len('Pain fell. ' * 30)} characters long; a cell holds at "
     f"most {D.MAX_TEXT_LENGTH}"),
]


@pytest.fixture
def root(tmp_path) -> Path:
    dst = tmp_path / "data"
    shutil.copytree(DATA, dst)
    return dst


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_caught(root, case, tmp_path):
    _, mutate, file, field, rule, text = case
    row = mutate(root)
    with pytest.raises(D.DataError) as info:
        D.load(root)
    err = info.value
    assert isinstance(err, ValueError)
    assert (err.file, err.field, err.rule) == (f"data/{file}", field, rule)
    if rule in ("header",):
        assert (err.line, err.row) == (1, None)
    elif isinstance(row, int):
        assert (err.row, err.line) == (row, row + 1)  # no multi-line cells: line = row + header
    msg = str(err)
    assert text in msg
    assert msg.startswith(f"data/{file}")
    assert str(tmp_path) not in msg
    if err.line is not None:
        assert f"line {err.line}" in msg
    if err.row is not None:
        assert f"row {err.row}" in msg


def test_an_unreadable_row_is_one_problem_not_two(root):
    # y13.mood.p is named by a claim in claims.csv; its row having a surplus
    # cell must not also make the claim's reference to it "unknown".
    claims = (root / "claims.csv").read_text(encoding="utf-8")
    assert "y13.mood.p" in claims
    row = _extra_cell(root)
    errs = D.validate(root)
    assert [(e.file, e.rule, e.row) for e in errs] == [("data/numbers.csv", "row-length", row)]


def test_physical_line_differs_from_row_after_multiline_cell(root):
    # A quoted cell over two lines is itself an error (a cell is one line), but it
    # must not shift where later problems are reported.
    multi = _set(root, "numbers.csv", "y13.dose.ldn", "note", "oral,\nonce daily")
    row = _set(root, "numbers.csv", "y13.pain.p", "value", "1.3")
    first, err = D.validate(root)
    assert (first.row, first.line, first.rule) == (multi, multi + 1, "control-character")
    assert (err.row, err.line, err.rule) == (row, row + 2, "p-range")
    assert f"line {row + 2} (row {row}, number_id 'y13.pain.p')" in str(err)


def test_text_that_only_looks_like_markup_is_accepted(root):
    # '<' before a digit or a space is a comparison, not a tag; Markdown, math and
    # citation syntax are printed literally by fmt.text, so the check allows them.
    for value in ("P <0.001 and 3 < 4 & \"major\"", "*LDN* $x^2$ @younger2013fibromyalgia [link](javascript:x)",
                  "{{< meta title >}} -- ... ^sup^ ~sub~ | \\ # 1."):
        _set(root, "claims.csv", "c07", "paraphrase", value)
        assert D.validate(root) == [], value


def test_text_length_limit_leaves_room_above_the_longest_shipped_text():
    longest = max(len(cell) for path in DATA.glob("*.csv") for row in _read(path)[1:] for cell in row)
    assert longest < D.MAX_TEXT_LENGTH, "a shipped cell is over the limit"
    assert D.MAX_TEXT_LENGTH >= 1.25 * longest, (
        f"MAX_TEXT_LENGTH {D.MAX_TEXT_LENGTH} leaves less than 25% room above the longest cell ({longest})")


def test_all_problems_are_listed_in_order(root):
    r1 = _set(root, "numbers.csv", "y13.pain.p", "value", "1.3")
    r2 = _set(root, "numbers.csv", "fin.pain.p", "value", "abc")
    _set(root, "studies.csv", "bested2023", "design", "cohort")
    errs = D.validate(root)
    assert [(e.file, e.rule) for e in errs] == [
        ("data/studies.csv", "enum"), ("data/numbers.csv", "type"), ("data/numbers.csv", "p-range")]
    assert (errs[1].row, errs[2].row) == (r2, r1)  # per-file checks first, then cross-row rules
    with pytest.raises(D.DataError) as info:
        D.load(root)
    assert str(info.value) == str(errs[0])
    assert [str(e) for e in info.value.errors] == [str(e) for e in errs]


def test_malformed_descriptor(root):
    (root / "datapackage.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(D.DataError) as info:
        D.load(root)
    assert (info.value.file, info.value.rule) == ("data/datapackage.json", "descriptor")
