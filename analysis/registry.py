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
    primary_original: int | None  # primary outcomes as first submitted (the record's tracking view)
    primary_original_confirmed: bool  # False: read from the field's place, its label not stored

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

    @property
    def original_known(self) -> bool:
        """The record as first submitted is stored and lists as many primary outcomes as the
        2012 version, so the outcomes can be dated to the registration."""
        return self.primary_original is not None and self.primary_original == self.primary_registered

    def original_words(self) -> str:
        """How the record's original primary outcomes are known: 'as first submitted in December
        2007' with the caution that the stored copy lacks the field's label, or that they are not
        stored."""
        if self.primary_original is None:
            return "what the record listed when first submitted is not stored"
        when = f"as first submitted in {month_text(self.registered[:7])}"
        return when if self.primary_original_confirmed else f"apparently {when}"

    @property
    def registered_during_trial(self) -> bool:
        """First received after the start and before the study's completion."""
        return self.registered_after_start and _day_range(self.registered)[1] < _day_range(self.end)[0]

    def primary_since_words(self) -> str:
        """Since when the record lists its primary outcomes, as far as the stored copies show:
        'apparently as first submitted in December 2007, five to six months after the trial
        started, during the trial', or, without the original list, the earliest stored version."""
        if self.original_known:
            return (f"{self.primary_since_short()}, {self.start_gap_words()} after the trial started"
                    + (", during the trial" if self.registered_during_trial else ""))
        return (f"in the earliest version we could read, last updated {month_text(self.version_2012)}"
                f"{' (after the trial ended)' if self.version_after_end_before_paper else ''}; "
                "what it listed before is not stored")

    def primary_since_short(self) -> str:
        """The first clause of primary_since_words: since when, without how long after the start."""
        if self.original_known:
            return self.original_words()
        return f"in the version of {month_text(self.version_2012)}"

    def original_sentence(self) -> str:
        """The appendix's account of the original primary outcomes and how sure it is."""
        if self.primary_original is None:
            return (f"What the record listed when it was first submitted in "
                    f"{month_text(self.registered[:7])} is not stored.")
        text = (f"The record's tabular view shows {fmt.words(self.primary_original)} outcomes, pain, "
                "fatigue and sleep quality, after the current primary outcome and before the change "
                "history: the place where that view gives the original primary outcome measures, those "
                f"first submitted on {fmt.date(self.registered)}.")
        if not self.primary_original_confirmed:
            text += " The stored copy does not print the field's label, so this reading rests on its place."
        return text

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
    original = f"{prefix}.reg2007.outcomes.primary.count"  # as first submitted; may be absent
    has_original = original in pkg.numbers.index
    return RegistryHistory(
        start=start, registered=registered, first_posted=d("first-posted"), end=d("study-end"),
        version_2012=d("registry-2012-version"), published_online=d("published-online"),
        results_submitted=d("results-submitted"), results_posted=d("results-posted"),
        months_start_to_registered=((r - s_last).days / DAYS_PER_MONTH, (r - s_first).days / DAYS_PER_MONTH),
        days_paper_to_results_submitted=(_day_range(d("results-submitted"))[0] - paper).days,
        days_paper_to_results_posted=(_day_range(d("results-posted"))[0] - paper).days,
        primary_registered=int(pkg.value(f"{prefix}.reg2012.outcomes.primary.count")),
        secondary_registered=int(pkg.value(f"{prefix}.reg2012.outcomes.secondary.count")),
        primary_original=int(pkg.value(original)) if has_original else None,
        primary_original_confirmed=has_original and bool(pkg.numbers.loc[original, "confirmed"]),
    )
