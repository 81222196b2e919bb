"""The two-page journal-club handout, rendered by the offline renderer on A4 and
US Letter, as a reader meets it on paper: page count, key numbers, type size,
the risk-of-bias table, and the data behind it."""
from __future__ import annotations

import csv
import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests

from analysis import appraisal, fmt
from analysis import data as D
from render import qmd
from render.pipeline import render

from tests.prose import typed_numbers

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.render

PAPERS = {"a4": (595.3, 841.9), "us-letter": (612.0, 792.0)}  # points
# Type sizes (issue 23, point 13): the body text at least 9 pt; the text of tables, figures
# and the page furniture (running header, page number) may be smaller, never below 7.5 pt.
BODY_MIN_PT = 9.0
SMALL_MIN_PT = 7.5
SMALL_KINDS = {"/Table", "/TR", "/TH", "/TD", "/Figure", "artifact"}


@pytest.fixture(scope="module", params=list(PAPERS))
def handout(request, tmp_path_factory):
    paper = request.param
    out = tmp_path_factory.mktemp(f"handout-{paper}")
    render([ROOT / "handout.qmd"], root=ROOT, outdir=out, quiet=True,
           overrides={"papersize": paper}, use_cache=False)
    assert not (out / "handout.html").exists()  # the handout is typst only
    reader = PdfReader(out / "handout.pdf")
    pages = [p.extract_text() for p in reader.pages]
    text = re.sub(r"\s+", " ", "\n".join(pages).replace("\u00a0", " "))
    return {"paper": paper, "reader": reader, "pages": pages, "text": text}


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s.replace("\u2212", "-"))


def font_sizes(reader: PdfReader) -> list[tuple[float, str]]:
    """Effective size in points of every text run: font size x text matrix x CTM scale."""
    runs: list[tuple[float, str]] = []

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            scale = math.hypot(tm[2], tm[3]) * math.hypot(cm[2], cm[3])
            runs.append((font_size * scale, text.strip()))
    for page in reader.pages:
        page.extract_text(visitor_text=visit)
    return runs


def _struct_paths(reader: PdfReader) -> dict[tuple[int, int], tuple[str, ...]]:
    """(page index, marked-content id) -> the structure types above it in the PDF's tag tree
    (the handout is PDF/UA-1, so every piece of content is tagged: paragraph, list, table
    cell, figure), from the root down."""
    from pypdf.generic import ArrayObject, DictionaryObject, NumberObject
    pages = {p.indirect_reference.idnum: i for i, p in enumerate(reader.pages)}
    out: dict[tuple[int, int], tuple[str, ...]] = {}
    tree = reader.trailer["/Root"].get("/StructTreeRoot")
    stack = [(tree.get_object().get("/K"), (), None)] if tree is not None else []
    while stack:
        node, path, page = stack.pop()
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, ArrayObject):
            stack.extend((k, path, page) for k in node)
        elif isinstance(node, DictionaryObject):
            if "/Pg" in node:
                page = pages.get(node.raw_get("/Pg").idnum, page)
            if "/MCID" in node:  # a marked-content reference
                out[(page, int(node["/MCID"]))] = path
            elif "/K" in node:
                stack.append((node["/K"], path + ((str(node["/S"]),) if "/S" in node else ()), page))
        elif isinstance(node, (int, NumberObject)):
            out[(page, int(node))] = path
    return out


def tagged_font_sizes(reader: PdfReader) -> list[tuple[float, tuple[str, ...], str]]:
    """Every text run as (size in points, what it is, text): 'what it is' is the structure
    path of its marked content (e.g. ('/Document', '/Table', '/TR', '/TD')), or ('artifact',)
    for the page furniture Typst marks as an artifact (running header, page number)."""
    from pypdf.generic import DictionaryObject
    paths = _struct_paths(reader)
    runs: list[tuple[float, tuple[str, ...], str]] = []
    for i, page in enumerate(reader.pages):
        marks: list[tuple[str, int | None]] = []

        def before(op, args, cm, tm):
            if op in (b"BDC", b"BMC"):
                props = args[1].get_object() if op == b"BDC" and len(args) > 1 else None
                mcid = int(props["/MCID"]) if isinstance(props, DictionaryObject) and "/MCID" in props else None
                marks.append((str(args[0]), mcid))
            elif op == b"EMC" and marks:
                marks.pop()

        def visit(text, cm, tm, font_dict, font_size):
            if not text.strip():
                return
            size = font_size * math.hypot(tm[2], tm[3]) * math.hypot(cm[2], cm[3])
            mark = next(((t, m) for t, m in reversed(marks) if m is not None or t == "/Artifact"), None)
            if mark is None or mark[0] == "/Artifact":
                kind: tuple[str, ...] = ("artifact",) if mark else ("untagged",)
            else:
                kind = paths.get((i, mark[1]), ("untagged",))
            runs.append((size, kind, text.strip()))
        page.extract_text(visitor_operand_before=before, visitor_text=visit)
    return runs


def type_size_problems(reader: PdfReader) -> list[str]:
    """Text below its floor: body text (paragraphs, lists) under BODY_MIN_PT, the text of
    tables, figures and page furniture under SMALL_MIN_PT; untagged text is a problem too."""
    out = []
    for size, kind, text in tagged_font_sizes(reader):
        small = bool(SMALL_KINDS & set(kind))
        floor = SMALL_MIN_PT if small else BODY_MIN_PT
        if "untagged" in kind:
            out.append(f"untagged text {text[:30]!r}")
        elif size < floor - 0.01:
            out.append(f"{size:.2f} pt < {floor} pt ({'/'.join(kind[-2:])}): {text[:30]!r}")
    return out


def independent_numbers() -> dict[str, str]:
    """Key numbers computed here from the published figures (today: 32% vs 11%,
    P = 0.016 for 28.8% vs 18.0%; 28 analysed by GRIM), read from data/ by
    tests/published.py, not by analysis/."""
    from tests.published import trial2013
    T = trial2013()
    n, x1, x2 = T.n, T.x_ldn, T.x_pbo
    fisher_one = sps.fisher_exact([[x1, n - x1], [x2, n - x2]], alternative="greater")[1]
    chi2 = sps.chi2_contingency([[x1, n - x1], [x2, n - x2]], correction=False)[1]
    # McNemar over every paired split: a women responded on both conditions;
    # exact = two-sided binomial, mid-p = exact minus the probability of the observed table.
    # asymptotic = McNemar's chi-squared without continuity correction, (b - c)^2 / (b + c) on 1 df.
    exact, midp, asym = [], [], []
    for a in range(0, x2 + 1):
        b, c = x1 - a, x2 - a
        p_exact = sps.binomtest(b, b + c, 0.5).pvalue
        exact.append(p_exact)
        midp.append(p_exact - sps.binom.pmf(b, b + c, 0.5))
        asym.append(sps.chi2.sf((b - c) ** 2 / (b + c), 1))
    est, p = T.pain_ldn - T.pain_placebo, T.pain_p
    se = est / sps.t.isf(p / 2, n - 1)
    crit = sps.t.isf(0.025, n - 1)
    # the four secondary outcomes, unpublished P values counted as 1
    holm = multipletests([T.satisfaction_p, T.mood_p, 1.0, 1.0], method="holm")[1]
    return {
        "responder counts": f"{x1}/{n} vs {x2}/{n}",
        "reported responder P": repr(T.reported_p),
        "one-sided Fisher P": fmt.p(fisher_one),
        "chi-squared P": fmt.p(chi2),
        "paired range": f"{fmt.p(min(midp + asym + exact))} to {fmt.p(max(midp + asym + exact))}",
        "recovered pain interval": fmt.ci(est - crit * se, est + crit * se),
        # one rounding style for the NNT and its limits: whole numbers (issue 23)
        "NNT point estimate": f"NNTB {1 / (x1 / n - x2 / n):.0f}",
        "Holm satisfaction/mood": f"{fmt.p(holm[0])} / {fmt.p(holm[1])}",
    }


# --------------------------------------------------------------------------- pages and type

def test_exactly_two_pages_of_the_right_paper(handout):
    reader = handout["reader"]
    assert len(reader.pages) == 2, f"{handout['paper']}: {len(reader.pages)} pages"
    w, h = PAPERS[handout["paper"]]
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx((w, h), abs=1.5)


@pytest.mark.parametrize("name", list(independent_numbers()))
def test_key_numbers_are_printed(handout, name):
    needle = independent_numbers()[name]
    assert _norm(needle) in _norm(handout["text"]), (handout["paper"], name, needle)


def test_body_text_at_least_9pt_tables_and_figures_at_least_7_5pt(handout):
    runs = tagged_font_sizes(handout["reader"])
    kinds = {k for _, kind, _ in runs for k in kind}
    # the classification sees each kind of text the handout prints, so the floors below apply
    assert {"/P", "/LBody", "/TD", "/Figure", "artifact"} <= kinds, kinds
    body = [(s, t) for s, kind, t in runs if not SMALL_KINDS & set(kind) and "/P" in kind]
    assert sum(len(t) for _, t in body) > 3000, "too little body text found to judge its size"
    problems = type_size_problems(handout["reader"])
    assert not problems, (handout["paper"], problems[:10])
    # the glossary, the discussion questions and the critical notes are body text
    for needle in ("Glossary.", "Paired vs unpaired test", "Key references."):
        sizes = [s for s, _, t in runs if needle in t]
        assert sizes and min(sizes) >= BODY_MIN_PT - 0.01, (needle, sizes)


def test_the_size_check_finds_body_text_below_9pt(tmp_path):
    """The handout rendered with its body at 8.5 pt (as it was before issue 23): the check
    names the body text and leaves the tables and figures alone."""
    out = tmp_path / "small"
    render([ROOT / "handout.qmd"], root=ROOT, outdir=out, quiet=True,
           overrides={"fontsize": "8.5pt"}, use_cache=False)
    problems = type_size_problems(PdfReader(out / "handout.pdf"))
    assert any("Bottom line." in p and p.startswith("8.50 pt < 9.0 pt") for p in problems), problems[:5]
    assert not any("/TD" in p or "/Figure" in p for p in problems), problems[:5]


def test_the_size_check_can_fail(tmp_path):
    """The untagged measurement on a typst-compiled PDF with 6 pt text finds it."""
    import typst
    src = tmp_path / "small.typ"
    src.write_text("#set page(width: 10cm, height: 4cm)\n#set text(size: 6pt)\nFine print.\n"
                   "#text(size: 9pt)[Body text.]\n", encoding="utf-8")
    typst.compile(str(src), output=str(tmp_path / "small.pdf"))
    runs = font_sizes(PdfReader(tmp_path / "small.pdf"))
    sizes = {t: round(s, 2) for s, t in runs}
    assert sizes == {"Fine print.": 6.0, "Body text.": 9.0}
    assert any(s < SMALL_MIN_PT for s, _ in runs)
    # untagged text is reported, not passed
    assert type_size_problems(PdfReader(tmp_path / "small.pdf"))


def test_marks_are_neutral(handout):
    """Another analysis giving another P is not an error in the paper: no "≠"."""
    text = handout["text"]
    assert "\u2260" not in text and "differs" not in text
    assert text.lower().count("other analyses give") >= 2  # the legend and the paired responder P
    assert "agrees" in text and "new" in text


def test_nothing_left_unrendered(handout):
    text = handout["text"]
    assert "{python}" not in text and "np.float64" not in text
    # where the full report is, in words that mean something on paper: no local path
    # (with site-url set it is the published address: tests/test_publish.py)
    assert "(report.html and report.pdf, rendered with this handout)" in _norm(text)
    assert "_output/" not in text


def test_the_handout_stands_alone(handout):
    """A reader who has not seen the report finds the bottom line, the verdict on
    every claim of the post, what the trial did well, the glossary and references."""
    from analysis.claims import GROUPED_LABELS, verdicts
    from analysis.results import compute
    text = _norm(handout["text"])
    assert text.index("Bottom line.") < text.index("The trial at a glance")
    R = compute(D.load())
    c01 = next(v.verdict for v in verdicts(R) if v.claim_id == "c01")
    assert c01 in text.split("The trial at a glance")[0], "the bottom line gives the verdict on the post"
    assert "Done well:" in text
    for v in verdicts(compute(D.load())):
        assert _norm(v.short) in text, f"{handout['paper']}: claim {v.claim_id} ({v.short}) missing"
        if v.verdict not in GROUPED_LABELS:  # grouped into one row per label, short names only
            assert _norm(f"{v.short}") in text and _norm(v.reason) in text, v.claim_id
    unbroken = re.sub(r"-\s+", "-", text)  # a term broken at its hyphen at a line end
    for term in appraisal.HANDOUT_TERMS:
        assert _norm(term) + ":" in unbroken, f"glossary term {term!r} missing"
    for ref in appraisal.key_references(D.load()):
        doi = re.search(r"doi:(\S+)", ref)
        if doi:
            assert doi.group(1).replace("\\", "") in text.replace(" ", ""), ref


def test_footer_names_commit_and_date(handout):
    m = re.search(r"Rendered from commit (\S+)( with uncommitted changes)? on (\d{1,2} \w+ \d{4})",
                  handout["text"])
    assert m, "footer missing"
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        head = "unknown"
    assert m.group(1) == head


# --------------------------------------------------------------------------- risk of bias

def test_rob_table_shows_six_domains_with_allowed_judgments(handout):
    text = handout["text"]
    judged = "|".join(re.escape(j) for j in sorted(appraisal.JUDGMENTS, key=len, reverse=True))
    positions = []
    for domain in appraisal.DOMAINS:
        m = re.search(re.escape(domain) + r":?\s+(" + judged + r")\b", text, flags=re.I)
        assert m, f"{handout['paper']}: domain '{domain}' without an allowed judgment"
        positions.append(m.start())
    assert positions == sorted(positions)  # in the tool's order
    assert re.search(r"Overall:?\s+(" + judged + r")\b", text, flags=re.I)


def test_overall_is_the_least_favourable_domain():
    J = appraisal.Judgment
    assert appraisal.overall([J("a", "low", ""), J("b", "low", "")]) == "low"
    assert appraisal.overall([J("a", "low", ""), J("b", "some concerns", "")]) == "some concerns"
    assert appraisal.overall([J("a", "some concerns", ""), J("b", "high", ""),
                              J("c", "low", "")]) == "high"


def test_overall_is_high_when_every_domain_has_some_concerns():
    """RoB 2: some concerns in multiple domains that together substantially lower confidence
    may be judged high; applied only when every domain has some concerns (issue 23, S1)."""
    J = appraisal.Judgment
    six = [J(d, "some concerns", "") for d in appraisal.DOMAINS]
    assert appraisal.overall(six) == "high"
    assert "every domain" in appraisal.overall_reason(six)
    five = [J(appraisal.DOMAINS[0], "low", "")] + six[1:]
    assert appraisal.overall(five) == "some concerns"
    assert appraisal.overall_reason(five) == "the least favourable domain judgment"
    one_high = six[:-1] + [J(appraisal.DOMAINS[-1], "high", "")]
    assert appraisal.overall_reason(one_high) == "the least favourable domain judgment"


def test_rob2_data_reasons_hold_no_typed_numbers():
    pkg = D.load()
    assert list(pkg.rob2.index) == list(appraisal.DOMAINS)
    for domain, reason in pkg.rob2["reason"].items():
        assert reason.strip() and not re.search(r"\d", reason), domain
        assert len(reason) <= 80, f"{domain}: reason longer than one table line"


@pytest.fixture
def data_root(tmp_path) -> Path:
    dst = tmp_path / "data"
    shutil.copytree(D.DEFAULT_ROOT, dst)
    return dst


def _edit_rob2(root: Path, fn) -> None:
    path = root / "rob2.csv"
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    rows = fn(rows)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def test_bad_rob2_judgment_is_rejected(data_root):
    def bad(rows):
        rows[2][1] = "moderate"  # row 2: period and carryover effects
        return rows
    _edit_rob2(data_root, bad)
    with pytest.raises(D.DataError) as info:
        D.load(data_root)
    err = info.value
    assert (err.file, err.field, err.rule, err.row, err.line) == ("data/rob2.csv", "judgment", "enum", 2, 3)
    msg = str(err)
    assert "'moderate' is not an allowed value" in msg
    assert "'low', 'some concerns', 'high'" in msg


def test_missing_rob2_domain_is_rejected(data_root):
    _edit_rob2(data_root, lambda rows: [r for r in rows if r[0] != "missing outcome data"])
    with pytest.raises(D.DataError) as info:
        D.load(data_root)
    assert (info.value.file, info.value.rule) == ("data/rob2.csv", "rob2-domains")
    assert "missing outcome data" in str(info.value)


def test_unknown_rob2_domain_is_rejected(data_root):
    def bad(rows):
        rows[1][0] = "allocation"
        return rows
    _edit_rob2(data_root, bad)
    errs = D.validate(data_root)
    assert [(e.file, e.field, e.rule) for e in errs][:1] == [("data/rob2.csv", "domain", "enum")]


# --------------------------------------------------------------------------- questions and prose

def test_each_discussion_question_is_tied_to_a_number_on_the_page(handout):
    from analysis.results import compute
    qs = appraisal.discussion_questions(compute(D.load()))
    assert 4 <= len(qs) <= 6
    text = _norm(handout["text"])
    before, _, after = text.partition("For discussion")
    assert after, "no discussion section"
    for q in qs:
        assert any(ch.isdigit() for ch in q.number), q
        assert _norm(q.number) in _norm(q.text)
        assert _norm(q.number) in before, f"question's number {q.number!r} is not elsewhere on the page"


def test_no_number_is_typed_into_prose():
    """Digits in the prose come from inline code, not the keyboard (years naming a
    study, the interval level and the tool name "RoB 2" allowed)."""
    offenders = typed_numbers(ROOT / "handout.qmd", allowed=("95%", "RoB 2"))
    assert not offenders, offenders


def test_handout_uses_only_the_report_constructs():
    """Front matter restricts the handout to typst; every cell option is one the report uses."""
    doc = qmd.parse(ROOT / "handout.qmd")
    report = qmd.parse(ROOT / "report.qmd")
    assert list(doc.meta["format"]) == ["typst"]
    used = {k for c in report.cells for k in c.options}
    for cell in doc.cells:
        assert set(cell.options) <= used, (cell.line, set(cell.options) - used)


def test_the_two_page_check_fails_on_an_overfull_handout(tmp_path):
    """The same handout at 11 pt no longer fits: the page-count check would see a
    third page (Typst flows overfull content onto a new page rather than off the
    page, which the layout check in tests/test_parity.py watches for)."""
    out = tmp_path / "overfull"
    render([ROOT / "handout.qmd"], root=ROOT, outdir=out, quiet=True,
           overrides={"fontsize": "11pt"}, use_cache=False)
    assert len(PdfReader(out / "handout.pdf").pages) > 2


def test_the_glossary_explains_the_terms_the_handout_uses(handout):
    """GRIM, the chi-squared test, IMMPACT and the Newcombe interval appear on the handout
    (issue 23, point 13), so its glossary explains them."""
    glossary = _norm(handout["text"]).split("Glossary.", 1)[1].split("Key references.", 1)[0]
    glossary = re.sub(r"-\s+", "-", glossary)  # a term broken at its hyphen at a line end
    for term in ("GRIM test:", "\u03c7\u00b2 (chi-squared) test:", "IMMPACT thresholds:",
                 "Newcombe interval:", "McNemar test, mid-p:", "Hedges' g:"):
        assert term in glossary.replace("\u2019", "'"), (handout["paper"], term)


def test_one_paired_range_with_one_label(handout):
    """Issue 23, point 13(b): the paired responder P appears as ranges under two labels, the
    version in force (mid-p) over the splits and every version; each printed range carries its
    label, and the widest range is the same wherever it is printed."""
    from tests.published import trial2013
    T = trial2013()
    ps = {"exact": [], "midp": [], "asym": []}
    for a in range(0, T.x_pbo + 1):
        b, c = T.x_ldn - a, T.x_pbo - a
        exact = sps.binomtest(b, b + c, 0.5).pvalue
        ps["exact"].append(exact)
        ps["midp"].append(exact - sps.binom.pmf(b, b + c, 0.5))
        ps["asym"].append(sps.chi2.sf((b - c) ** 2 / (b + c), 1))
    every = [p for v in ps.values() for p in v]
    wide = f"{fmt.p(min(every))} to {fmt.p(max(every))}"
    text = _norm(handout["text"])
    label = _norm(appraisal.PAIRED_ALL_LABEL).replace("'", "\u2019")
    assert text.count(wide) >= 3, (wide, text.count(wide))  # critical note, key numbers, question
    assert text.count(f"{wide}, {label}") + text.count(f"{wide} ({label})") == text.count(wide)
    mid = f"{fmt.p(min(ps['midp']))} to {fmt.p(max(ps['midp']))} (mid-p"
    assert text.count(mid) == 1, mid  # the key-numbers row


@pytest.mark.parametrize("renderer", ["offline", pytest.param("quarto", marks=pytest.mark.quarto)])
def test_two_pages_with_the_planned_studies_and_a_site_address(tmp_path, renderer):
    """The capacity the handout is laid out for (analysis.figures.HANDOUT_STUDIES pooled
    studies, today's roster plus synthetic later trials) with a published address and its QR
    code: two pages on A4 and on US Letter, type sizes kept, with either renderer."""
    import os
    import sys

    from analysis.figures import HANDOUT_STUDIES
    from tests.renderers import INSTALL_HINT, quarto_command, snapshot, unavailable
    from tests.synthetic import FORMS, add_trial

    def pooled(root: Path) -> int:
        with open(root / "data" / "pooling.csv", encoding="utf-8", newline="") as fh:
            return sum(1 for r in csv.DictReader(fh) if r["sets"])
    quarto = quarto_command() if renderer == "quarto" else None
    if renderer == "quarto" and quarto is None:
        unavailable("Quarto is not installed", INSTALL_HINT)
    root = tmp_path / "p"
    root.mkdir()
    snapshot(root, site_url="https://journal-club.example.org/ldn-fibromyalgia-reanalysis/")
    have = pooled(root)
    if have > HANDOUT_STUDIES:
        pytest.skip(f"{have} pooled studies already: raise analysis.figures.HANDOUT_STUDIES")
    for form in list(FORMS)[:HANDOUT_STUDIES - have]:
        add_trial(root, form)
    assert pooled(root) == HANDOUT_STUDIES
    for paper, (w, h) in PAPERS.items():
        if quarto:
            env = {**os.environ, "QUARTO_PYTHON": sys.executable}
            env.pop("SOURCE_DATE_EPOCH", None)
            proc = subprocess.run([quarto, "render", "handout.qmd", "-M", f"papersize:{paper}",
                                   "-o", f"handout-{paper}.pdf"], cwd=root, env=env,
                                  capture_output=True, text=True, timeout=600)
            assert proc.returncode == 0, proc.stderr[-3000:]
            pdf = root / "_output" / f"handout-{paper}.pdf"
        else:
            render([root / "handout.qmd"], root=root, outdir=tmp_path / paper, quiet=True,
                   overrides={"papersize": paper}, use_cache=False)
            pdf = tmp_path / paper / "handout.pdf"
        reader = PdfReader(pdf)
        assert len(reader.pages) == 2, (renderer, paper, len(reader.pages))
        assert (float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)) == \
            pytest.approx((w, h), abs=1.5)
        text = _norm(" ".join(p.extract_text() for p in reader.pages))
        assert "QR code on page 1" in text and "Testwoman" in text.replace(" ", ""), paper
        assert not type_size_problems(reader), (renderer, paper, type_size_problems(reader)[:5])


def test_the_prose_check_skips_raw_layout_blocks_only(tmp_path):
    """A raw Typst block's sizes are layout, not prose; a typed number after it is still found."""
    doc = tmp_path / "d.qmd"
    doc.write_text("---\ntitle: t\n---\n\n```{=typst}\n#set text(size: 9pt)\n```\n\n"
                   "The trial had 31 women.\n", encoding="utf-8")
    found = typed_numbers(doc, allowed=())
    assert len(found) == 1 and "31 women" in found[0], found


def _bottom_line(text: str) -> str:
    return text.split("Bottom line.", 1)[1].split("The question (PICO).", 1)[0]


def test_the_post_is_summarised_before_the_bottom_line(handout):
    """Two lines on what the post says (issue 23, point 13): paraphrase with only short
    quotations, its figures read here from data/ (the abstract's count the post repeats, and
    the share the post names in data/claims.csv)."""
    from tests.published import values
    text = _norm(handout["text"])
    post = text.split("The post.", 1)[1].split("Bottom line.", 1)[0]
    assert text.index("The post.") < text.index("Bottom line.")
    assert f"trial of {int(values()['y13.n.participants.all'])} women" in post
    with open(ROOT / "data" / "claims.csv", encoding="utf-8", newline="") as fh:
        share = next(r for r in csv.DictReader(fh) if r["claim_id"] == "c04")["claimed_value"]
    assert f"(perhaps {share}%)" in post
    quotes = re.findall(r"\u201c([^\u201d]*)\u201d", post)
    assert quotes and all(len(q.split()) <= 5 for q in quotes), quotes
    assert len(post) < 2 * 140, "more than about two lines"  # ~140 characters a line at 9 pt


def test_the_bottom_line_leads_with_responder_shares(handout):
    """What patients notice is judged first by shares of patients (FINAL's, read here from
    data/); the group means against IMMPACT's thresholds for one patient's change come after,
    called a rough guide (issue 23, point 7)."""
    from tests.published import values
    v = values()
    line = _bottom_line(_norm(handout["text"]))
    shares = (f"{v['fin.pain-30pct.ldn']:.0f}% on LDN vs {v['fin.pain-30pct.placebo']:.0f}% on placebo "
              f"had more than {v['imm.pain-reduction.moderate']:.0f}% less pain")
    assert shares in line, line
    assert line.index(shares) < line.index("rough guide only")
    assert "one patient\u2019s change" in line or "one patient's change" in line
    assert "is modest: by the IMMPACT thresholds" not in line  # the old grading of group means


def test_notice_words_follow_the_means():
    """Where placebo's mean reduction is small against LDN's, the rough guide grades each
    condition instead of saying that placebo alone reached a threshold."""
    from types import SimpleNamespace

    from analysis.results import compute
    R = compute(D.load())
    much = appraisal.notice_words(R)
    little = appraisal.notice_words(SimpleNamespace(pkg=R.pkg, pain=SimpleNamespace(ldn=35.0, placebo=5.0)))
    assert "placebo\u2019s mean reduction" in much or "placebo's mean reduction" in much
    assert "moderately important on LDN and below what is minimally important on placebo" in little
    for text in (much, little):
        assert text.index("shares of patients") < text.index("rough guide only")
