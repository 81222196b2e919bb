"""Today's results that are a snapshot by nature, in one file: tests/snapshot.json.

Independent recomputations in the tests derive their inputs from data/
(tests/published.py). What remains are facts about today's data that no
formula can predict, such as which checks disagree with the published numbers,
which tests round to the published responder P, how many paired splits fall
below 0.05, or the published values double-entered from their sources. They
were checked by hand when written (see the comments in tests/test_results.py);
the tests compare the computed values with this file and, on a difference, say
how to refresh it.

When the data change on purpose (a new trial, an erratum), refresh and review:

    make snapshot                       # = .venv/bin/python -m tests.snapshot --refresh
    git diff tests/snapshot.json        # every changed fact, to read before committing

``python -m tests.snapshot`` without --refresh lists the differences and exits 1
if there are any.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

PATH = Path(__file__).resolve().parent / "snapshot.json"
REFRESH = "make snapshot (or .venv/bin/python -m tests.snapshot --refresh)"

# Published values double-entered from their sources (number_id -> source tag).
PUBLISHED = ("y13.pain.reduction.ldn", "y13.pain.reduction.placebo", "y13.pain.p", "y13.satisfaction.p",
             "y13.mood.p", "y13.responders.ldn", "y13.responders.placebo", "y13.responders.p",
             "y13.n.participants.all", "y13.n.enrolled.all", "y13.n.screened.all", "y13.n.baseline.all",
             "y13.conf.symptoms.p", "b23.fiqr.median-difference", "fin.pain.p", "fin.ae.ldn", "inv.pain.p",
             "df20.ed50", "olo25.pain.i2")


def current(R=None) -> dict:
    """The snapshot facts as the code computes them from today's data."""
    if R is None:
        from analysis.data import load
        from analysis.results import compute
        R = compute(load())
    rs, ev, pkg = R.responders, R.evidence, R.pkg
    return {
        "published_values": {nid: [pkg.value(nid), pkg.provenance(nid)["tag"]] for nid in PUBLISHED},
        "grim_fits": R.grim.fits,
        "analysed_n": R.n,
        "responder_counts": [rs.x_ldn, rs.x_pbo],
        "disagreements": R.disagreements,
        "tests_rounding_to_published": sorted(t.key for t in rs.tests_rounding_to_published),
        "fisher_one_sided_p_4dp": round(rs.fisher_greater.p, 4),
        "n_splits": rs.n_splits,
        "splits_below_alpha": {"exact": rs.splits_exact_below_alpha, "midp": rs.splits_midp_below_alpha},
        "fragility_exact": [s.fragility_exact.estimate for s in rs.splits],
        "fragility_midp": [s.fragility_midp.estimate for s in rs.splits],
        "fragility_kinds_exact": [s.fragility_exact.extra["kind"] for s in rs.splits],
        "side_effects_joint": R.grim.side_effects_joint,
        "innova_p_from_d_3dp": round(ev.innova_p_from_d.p, 3),
        "innova_d_from_p_3dp": round(ev.innova_p_from_d.d_from_p, 3),
    }


def _dumps(snap: dict) -> str:
    """One fact a line (and one published value a line), so that a diff reads fact by fact."""
    def one(v):
        return json.dumps(v, ensure_ascii=False)
    lines = []
    for k, v in snap.items():
        if isinstance(v, dict) and k == "published_values":
            inner = ",\n".join(f"    {one(ik)}: {one(iv)}" for ik, iv in v.items())
            lines.append(f"  {one(k)}: {{\n{inner}\n  }}")
        else:
            lines.append(f"  {one(k)}: {one(v)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def load() -> dict:
    return json.loads(PATH.read_text(encoding="utf-8"))


def expect(key: str, actual) -> None:
    """Assert that ``actual`` is the snapshot's ``key``, saying how to refresh it."""
    want = load()[key]
    got = json.loads(json.dumps(actual))  # tuples as lists, keys as strings, as stored
    if isinstance(got, dict) and isinstance(want, dict):  # name only the entries that differ
        diff = {k: (want.get(k), got.get(k)) for k in sorted(set(got) | set(want)) if got.get(k) != want.get(k)}
        shown = "; ".join(f"{k}: snapshot {w!r}, computed {g!r}" for k, (w, g) in diff.items())
    else:
        shown = f"computed {got!r}, tests/snapshot.json says {want!r}"
    assert got == want, (f"{key}: {shown}. If the data changed on purpose, refresh with {REFRESH} "
                         "and review the diff.")


def main(argv: list[str]) -> int:
    now = json.loads(json.dumps(current()))
    if argv == ["--refresh"]:
        PATH.write_text(_dumps(now), encoding="utf-8")
        print(f"wrote {PATH.name}; review it with: git diff tests/snapshot.json")
        return 0
    if argv:
        print("usage: python -m tests.snapshot [--refresh]", file=sys.stderr)
        return 64
    old = load()
    changed = sorted(k for k in set(now) | set(old) if now.get(k) != old.get(k))
    for k in changed:
        print(f"{k}: snapshot {old.get(k)!r} -> now {now.get(k)!r}")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
