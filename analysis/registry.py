"""The index trial's registry history: dates from data/dates.csv and the gaps between them.

Every date is published (with its provenance in data/dates.csv); every interval here is
computed from those dates, never typed. A date the source gives only as a month
(``YYYY-MM``) is an interval of days, so a gap from it is a range.
"""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from . import fmt

DAYS_PER_MONTH = 365.25 / 12


def _day_range(text: str) -> tuple[dt.date, dt.date]:
    """The first and last day a published date can mean ('2007-06' = 1 to 30 June 2007)."""
    parts = [int(x) for x in str(text).split("-")]
    if len(parts) == 3:
        d = dt.date(*parts)
        return d, d
    y, m = parts
    return dt.date(y, m, 1), dt.date(y, m, calendar.monthrange(y, m)[1])


def month_text(text: str) -> str:
    """'2007-06' as 'June 2007'; a full date as '4 December 2007'."""
    first, last = _day_range(text)
    return fmt.date(first.isoformat()) if first == last else f"{first:%B %Y}"


@dataclass(frozen=True)
class RegistryHistory:
    """Dates of the index trial's registration, registry versions, paper and registry results."""

    start: str                  # as published (a month)
    registered: str             # record first received
    first_posted: str
    end: str                    # study completion (a month)
    version_2012: str           # the earliest stored version of the record
    published_online: str
    results_submitted: str
    results_posted: str
    months_start_to_registered: tuple[float, float]   # shortest and longest, start given as a month
    days_paper_to_results_submitted: int
    days_paper_to_results_posted: int
    primary_registered: int     # primary outcomes in the earliest stored version
    secondary_registered: int

    @property
    def registered_after_start(self) -> bool:
        return _day_range(self.registered)[0] > _day_range(self.start)[1]

    @property
    def version_after_end_before_paper(self) -> bool:
        v = _day_range(self.version_2012)[0]
        return _day_range(self.end)[1] < v < _day_range(self.published_online)[0]

    def start_gap_words(self) -> str:
        """'five to six months' (the start is known to the month only)."""
        lo, hi = self.months_start_to_registered
        a, b = int(lo), round(hi)
        return f"about {fmt.words(a)} months" if a == b else f"{fmt.words(a)} to {fmt.words(b)} months"

    def weeks_to_submission(self) -> int:
        return round(self.days_paper_to_results_submitted / 7)

    def months_to_posting(self) -> int:
        return round(self.days_paper_to_results_posted / DAYS_PER_MONTH)


def search_end_words(pkg) -> str:
    """When each review's search ended (data/dates.csv '<prefix>.search-end') and which later
    trial it could not have included: FINAL appeared online on a known day and INNOVA's
    protocol planned recruitment to a month, after which its results came."""
    st = pkg.studies
    fin_day = _day_range(pkg.date("fin.published-online"))[0]
    inv_end = _day_range(pkg.date("inv.recruitment-end"))[1]
    parts, missing = [], []
    for sid in st.index[st["role"] == "review"]:
        did = f"{st.loc[sid, 'id_prefix']}.search-end"
        label = st.loc[sid, "label"].split(" (")[0]
        if did not in pkg.dates.index:
            missing.append(label)
            continue
        end_last = _day_range(pkg.dates.loc[did, "date"])[1]
        could_not = [name for name, day in (("FINAL", fin_day), ("INNOVA", inv_end)) if end_last < day]
        parts.append(f"{label} searched to {month_text(pkg.dates.loc[did, 'date'])}"
                     + (f", before {fmt.join(could_not)} could be included" if could_not else ""))
    text = "; ".join(parts)
    if missing:
        text += f"; the search date of {fmt.join(missing)} is not given in the sources we saw"
    return text


def history(pkg, study_id: str = "younger2013") -> RegistryHistory:
    """The registry history of ``study_id`` from data/dates.csv (ids '<prefix>.<event>')."""
    prefix = pkg.studies.loc[study_id, "id_prefix"]

    def d(event: str) -> str:
        return pkg.date(f"{prefix}.{event}")

    start, registered = d("study-start"), d("registered")
    s_first, s_last = _day_range(start)
    r = _day_range(registered)[0]
    paper = _day_range(d("published-online"))[0]
    return RegistryHistory(
        start=start, registered=registered, first_posted=d("first-posted"), end=d("study-end"),
        version_2012=d("registry-2012-version"), published_online=d("published-online"),
        results_submitted=d("results-submitted"), results_posted=d("results-posted"),
        months_start_to_registered=((r - s_last).days / DAYS_PER_MONTH, (r - s_first).days / DAYS_PER_MONTH),
        days_paper_to_results_submitted=(_day_range(d("results-submitted"))[0] - paper).days,
        days_paper_to_results_posted=(_day_range(d("results-posted"))[0] - paper).days,
        primary_registered=int(pkg.value(f"{prefix}.reg2012.outcomes.primary.count")),
        secondary_registered=int(pkg.value(f"{prefix}.reg2012.outcomes.secondary.count")),
    )
