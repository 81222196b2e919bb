"""python -m analysis check: validate data/ (and site-url in _quarto.yml and
CITATION.cff, which the documents also read) before anything renders.

Exit 0 and one summary line when the data package is valid; otherwise every
problem as a one-paragraph message (file, line, row, field, rule, fix) and
exit 2. Besides data/'s schemas and rules it checks references.bib (only the
LaTeX that typesets letters, links only to http(s) addresses and DOIs; see
analysis.data.check_bibliography), that every bib_key and every key the
documents (*.qmd) cite is an entry in it, and that GRIM leaves at least one analysed n for the 2013
responder percentages (when several fit it says which and goes on: the analysed
n is the report's parameter analysed_n), notes each verdict judged by hand
whose numbers changed since (analysis/claims.py JUDGED_ON), and runs every recomputation once
at the default assumptions, so that what would stop a render stops here,
before any kernel starts. DEBUG=1 shows a traceback for
unexpected failures.

python -m analysis cite: print the "How to cite" line (from CITATION.cff and
site-url in _quarto.yml), as the README gives it.
"""
from __future__ import annotations

import os
import sys
import time

# At most this many problems are printed, then how many more there are: 200,000
# duplicated rows printed 199,826 paragraphs (44 MB). The first few dozen say what
# is wrong; the rest is usually the same mistake repeated.
MAX_ERRORS_SHOWN = 50


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["cite"]:
        from .publish import PublishError, citation, read_cff, site_url
        try:
            print(citation(read_cff(), url=site_url()))
        except PublishError as exc:
            print(f"cite failed: {exc}", file=sys.stderr)
            return 2
        return 0
    if argv not in ([], ["check"]):
        print("usage: python -m analysis [check | cite]", file=sys.stderr)
        return 64
    t0 = time.perf_counter()
    from . import data
    from .data import DEFAULT_ROOT, load, validate
    said: list[str] = []

    def progress(text: str) -> None:  # on a long check (a large file): how far it has got
        said.append(text)
        print(f"  data check: {text}", file=sys.stderr, flush=True)
    data.PROGRESS = progress
    project = DEFAULT_ROOT.parent
    errors = validate(bibliography=project / "references.bib", documents=sorted(project.glob("*.qmd")))
    if errors:
        where = "data/ and references.bib" if any(e.file == "references.bib" for e in errors) else "data/"
        print(f"data check failed: {len(errors)} problem(s) in {where}; nothing was rendered.\n",
              file=sys.stderr)
        for e in errors[:MAX_ERRORS_SHOWN]:
            print(f"- {e}\n", file=sys.stderr)
        if len(errors) > MAX_ERRORS_SHOWN:
            print(f"... and {len(errors) - MAX_ERRORS_SHOWN} more problem(s) not shown ({len(errors)} in "
                  f"all; the first {MAX_ERRORS_SHOWN} are above). Fix these and run the check again.",
                  file=sys.stderr)
        return 2
    # GRIM: the analysed n of the 2013 trial must be one that both responder
    # percentages allow; when several do, the report's parameter analysed_n says which.
    from .results import compute, grim_problem
    pkg = load()
    problem = grim_problem(pkg)
    if problem:
        print(f"data check failed: 1 problem(s) in data/; nothing was rendered.\n\n- {problem}\n",
              file=sys.stderr)
        return 2
    # Every recomputation at the default assumptions: what would stop a render stops here.
    if said:
        progress("all files read; recomputing the analysis")
    try:
        g = compute(pkg).grim  # the GRIM part the render will use, computed once here
    except (ValueError, KeyError, ArithmeticError) as exc:
        print(f"data check failed: the analysis cannot run on data/: {exc}\nNothing was rendered.",
              file=sys.stderr)
        return 2
    # Verdicts that are human judgments (analysis/claims.py JUDGED_ON) name the numbers
    # they rest on; a note for each one whose numbers changed: re-read it, then record.
    from .claims import stale_judgments
    for message in stale_judgments(pkg):
        print(f"  note: {message}", file=sys.stderr)
    if g.ambiguous:
        print(f"  note: GRIM allows several analysed n for the 2013 responder percentages (data/numbers.csv, "
              f"y13.responders.ldn and y13.responders.placebo): n = {g.fits_text}. The report uses "
              f"n = {g.n} ({g.n_reason}) and says so in its assumptions box; another: "
              f"make report PARAMS=\"analysed_n={g.others[0]}\".", file=sys.stderr)
    from .publish import PublishError, read_cff, site_url
    try:  # what the documents read besides data/, checked before anything renders
        site_url()
        read_cff()
    except PublishError as exc:
        print(f"publishing settings check failed: {exc}\nNothing was rendered.", file=sys.stderr)
        return 2
    import csv
    counts = []
    for f in sorted(DEFAULT_ROOT.glob("*.csv")):
        with f.open(newline="", encoding="utf-8") as fh:
            counts.append(f"{sum(1 for _ in csv.reader(fh)) - 1} {f.stem}")
    print(f"  data check: valid ({', '.join(counts)} rows; {time.perf_counter() - t0:.2f} s)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as exc:  # an unexpected failure: short message unless DEBUG
        if os.environ.get("DEBUG") not in (None, "", "0"):
            raise
        print(f"data check failed unexpectedly: {type(exc).__name__}: {exc}\n"
              "Run with DEBUG=1 for the traceback.", file=sys.stderr)
        sys.exit(2)
