"""Property: any consistent passage round-trips through a file and passes the strict schema."""

from __future__ import annotations

import datetime as dt

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autarcie.recovery.rpu import (
    Ccmu,
    RpuPassage,
    Sex,
    Transport,
    TransportCare,
    check_passage,
    read_rpu_file,
    validate_xsd,
    write_rpu_file,
)
from autarcie.recovery.rpu.model import HOME_ORIENTATIONS, HOSPITAL_ORIENTATIONS, PARIS
from tests.recovery.rpu_samples import rpu_file

ENTRY = {"": ("",), "6": ("", "1", "2", "3", "4"), "7": ("", "1", "2", "3", "4")}
ENTRY["8"] = ("", "5", "6", "7", "8")
EXIT = {
    "": (("",), ("",)),
    "6": (("", "1", "2", "3", "4"), ("", *HOSPITAL_ORIENTATIONS)),
    "7": (("", "1", "2", "3", "4"), ("", *HOSPITAL_ORIENTATIONS)),
    "8": (("", "6", "7"), ("", *HOME_ORIENTATIONS)),
    "9": (("",), ("",)),
}

# Characters a town name may hold, including some outside Latin-1 (Ÿ, Œ).
TOWN = st.text(alphabet="ABCDEÉÈÀÇÎÔŸŒ '-", max_size=30).map(str.strip)
CIM10 = st.from_regex(r"[A-Z][0-9]{2}(\.?[0-9]{1,2})?", fullmatch=True)
CCAM = st.from_regex(r"[A-Z]{4}[0-9]{3}", fullmatch=True)
POSTCODE = st.from_regex(r"[0-9]{5}", fullmatch=True) | st.just("")


# Naive on purpose: hypothesis draws wall-clock times, which we then place in Paris.
FIRST_DAY = dt.datetime(2015, 1, 1)  # noqa: DTZ001
LAST_DAY = dt.datetime(2035, 12, 31)  # noqa: DTZ001


@st.composite
def paris_minute(draw: st.DrawFn) -> dt.datetime:
    """A Paris wall-clock minute that exists once (no DST gap, no repeated autumn hour)."""
    naive = draw(st.datetimes(FIRST_DAY, LAST_DAY))
    naive = naive.replace(second=0, microsecond=0)
    moment = naive.replace(tzinfo=PARIS)
    assume(moment.astimezone(dt.UTC).astimezone(PARIS).replace(tzinfo=None) == naive)
    assume(naive.replace(fold=1, tzinfo=PARIS).utcoffset() == moment.utcoffset())
    return moment.astimezone(dt.UTC)


@st.composite
def consistent_passages(draw: st.DrawFn) -> RpuPassage:
    entry = draw(paris_minute())
    entry_mode = draw(st.sampled_from(sorted(ENTRY)))
    exit_mode = draw(st.sampled_from(sorted(EXIT)))
    destinations, orientations = EXIT[exit_mode]
    stay = draw(st.none() | st.integers(0, 72 * 60))
    return RpuPassage(
        postcode=draw(POSTCODE),
        town=draw(TOWN),
        birth_date=draw(st.none() | st.dates(dt.date(1900, 1, 1), entry.date())),
        sex=draw(st.sampled_from(["", *Sex.codes()])),
        entry=entry,
        entry_mode=entry_mode,
        provenance=draw(st.sampled_from(ENTRY[entry_mode])),
        transport=draw(st.sampled_from(["", *Transport.codes()])),
        transport_care=draw(st.sampled_from(["", *TransportCare.codes()])),
        reason=draw(CIM10 | st.just("")),
        ccmu=draw(st.sampled_from(["", *sorted(Ccmu.codes() - {"D"})])),
        main_diagnosis=draw(CIM10 | st.just("")),
        other_diagnoses=tuple(draw(st.lists(CIM10, max_size=3))),
        procedures=tuple(draw(st.lists(CCAM, max_size=3))),
        exit=None if stay is None else entry + dt.timedelta(minutes=stay),
        exit_mode=exit_mode,
        destination=draw(st.sampled_from(destinations)),
        orientation=draw(st.sampled_from(orientations)),
    )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(consistent_passages(), min_size=1, max_size=3),
    st.sampled_from(["ISO-8859-1", "UTF-8"]),
)
def test_consistent_passages_round_trip_and_pass_the_schema(
    passages: list[RpuPassage], encoding: str
) -> None:
    days = [p.entry_day() for p in passages]
    last_entry = max(p.entry for p in passages)
    f = rpu_file(*passages, start=min(days), end=max(days), extract=last_entry)
    assert all(check_passage(p) == [] for p in passages)
    data = write_rpu_file(f, encoding)  # type: ignore[arg-type]
    assert validate_xsd(data) == []
    assert read_rpu_file(data) == f
