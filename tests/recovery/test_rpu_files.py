"""Writing and reading RPU files: the tidy form we write, and what real producers send."""

from __future__ import annotations

import datetime as dt

import pytest
from lxml import etree

from autarcie.recovery.rpu import (
    RpuFormatError,
    RpuValueError,
    daily_files,
    extra_text,
    read_rpu_file,
    rpu_file_name,
    write_rpu_file,
)
from autarcie.recovery.rpu.model import PARIS, PATIENT_ELEMENTS
from tests.recovery.rpu_samples import FINESS, SAMPLE, paris, passage, rpu_file


def test_sample_file_reads() -> None:
    f = read_rpu_file(SAMPLE.read_bytes())
    assert (f.finess, f.order) == ("999999999", "0")
    assert f.extract == dt.datetime(2025, 1, 16, 2, 0, tzinfo=dt.UTC)
    assert (f.start, f.end) == (dt.date(2025, 1, 15), dt.date(2025, 1, 15))
    first, second, third = f.passages
    assert first.entry == paris(15, 2, 14)
    assert (first.other_diagnoses, first.procedures) == (("I10",), ("DEQP003",))
    assert (second.other_diagnoses, second.provenance, second.destination) == ((), "", "")
    assert (third.main_diagnosis, third.procedures, third.orientation) == ("", (), "PSA")
    assert third.birth_date == dt.date(1955, 3, 3)


@pytest.mark.parametrize("encoding", ["ISO-8859-1", "UTF-8"])
def test_written_file_reads_back_equal(encoding: str) -> None:
    f = rpu_file(
        passage(town="SAINT-MALO-DE-PHILY éè", extra={"CIRCONSTANCE": "chute"}),
        passage(entry=paris(15, 23, 59), exit=None, birth_date=None, other_diagnoses=()),
        extra={"LOGICIEL": "Autarcie"},
    )
    data = write_rpu_file(f, encoding)  # type: ignore[arg-type]
    assert data.startswith(f'<?xml version="1.0" encoding="{encoding}"?>\n<OSCOUR>'.encode())
    assert read_rpu_file(data) == f


def test_writer_uses_the_tidy_form() -> None:
    p = passage(provenance="", other_diagnoses=(), entry=paris(1, 9, 5, month=7))
    text = write_rpu_file(rpu_file(p, extract=paris(16, 3, 0))).decode("iso-8859-1")
    assert "<EXTRACT>16/01/2025 03:00:00</EXTRACT>" in text
    assert "<DATEDEBUT>15/01/2025</DATEDEBUT>" in text
    # Summer time: 09:05 in Paris is written as such, not as UTC.
    assert "<ENTREE>01/07/2025 09:05</ENTREE>" in text
    assert "<PROVENANCE/>" in text and "<LISTE_DA/>" in text
    root = etree.fromstring(text.encode("iso-8859-1"))
    patient = root.find("PASSAGES/PATIENT")
    assert patient is not None
    assert [child.tag for child in patient] == [name for name, _ in PATIENT_ELEMENTS]


def test_characters_outside_latin1_survive_an_iso_8859_1_file() -> None:
    f = rpu_file(passage(town="L'HAŸ-LES-ROSES ŒUF €"))
    assert read_rpu_file(write_rpu_file(f, "ISO-8859-1")) == f


def test_file_name_follows_the_oscour_convention() -> None:
    name = rpu_file_name(FINESS, "0", dt.datetime(2025, 1, 16, 2, 0, 5, tzinfo=dt.UTC))
    assert name == "O350005179_0_20250116030005.xml"


@pytest.mark.parametrize(("finess", "ordre"), [("../../etc", "0"), (FINESS, "0/"), ("35", "0")])
def test_file_name_refuses_unsafe_parts(finess: str, ordre: str) -> None:
    with pytest.raises(ValueError, match="must be"):
        rpu_file_name(finess, ordre, paris(16, 3))


def test_daily_files_split_by_paris_day_of_entry() -> None:
    late = passage(entry=paris(15, 23, 30), exit=paris(16, 1, 0))
    # 00:30 in Paris on the 16th is 23:30 UTC on the 15th: it belongs to the 16th.
    after_midnight = passage(entry=paris(16, 0, 30), exit=None)
    early = passage(entry=paris(15, 8, 0), exit=None)
    files = daily_files([late, after_midnight, early], FINESS, _days(15, 17), paris(18, 3))
    assert [name for name, _ in files] == [
        "O350005179_0_20250118030000.xml",
        "O350005179_0_20250118030001.xml",
        "O350005179_0_20250118030002.xml",
    ]
    first, second, third = (read_rpu_file(data) for _, data in files)
    assert first.passages == (early, late)
    assert (first.start, first.end) == (dt.date(2025, 1, 15), dt.date(2025, 1, 15))
    assert second.passages == (after_midnight,)
    assert third.passages == () and third.start == dt.date(2025, 1, 17)


def test_daily_files_refuse_a_passage_outside_the_range() -> None:
    with pytest.raises(ValueError, match="outside"):
        daily_files([passage()], FINESS, _days(16, 17), paris(18, 3))


def _days(first: int, last: int) -> tuple[dt.date, dt.date]:
    return dt.date(2025, 1, first), dt.date(2025, 1, last)


MESSY = """<?xml version="1.0" encoding="ISO-8859-15"?>
<OSCOUR>
  <ETABLISSEMENT>
    <DATEFIN>15/01/2025</DATEFIN>
    <DATEDEBUT>15/01/2025</DATEDEBUT>
    <ORDRE>0</ORDRE>
    <EXTRACT>16/01/2025 03:00:00</EXTRACT>
    <FINESS>350005179</FINESS>
  </ETABLISSEMENT>
  <PASSAGES>
    <PATIENT>
      <ORIENT></ORIENT>
      <SORTIE>15/01/2025 11:30</SORTIE>
      <COMMUNE>L'HAŸ-LES-ROSES</COMMUNE>
      <CP>94240</CP>
      <ENTREE>15/01/2025 10:02</ENTREE>
      <CIRCONSTANCE>Chute de sa hauteur, œdème</CIRCONSTANCE>
      <LISTE_DA><DA>K56.6</DA><DA></DA></LISTE_DA>
      <DP>S636</DP>
      <MODE_SORTIE>8</MODE_SORTIE>
      <DESTINATION/>
      <SEXE>M</SEXE>
      <DATE_SORTIE_UHCD>15/01/2025 18:00</DATE_SORTIE_UHCD>
    </PATIENT>
  </PASSAGES>
  <PASSAGES>
    <PATIENT>
      <ENTREE>15/01/2025 16:45:10</ENTREE>
      <MOTIF>R51</MOTIF>
      <DA>I10</DA>
    </PATIENT>
  </PASSAGES>
</OSCOUR>
"""


def test_reader_accepts_what_real_producers_write() -> None:
    f = read_rpu_file(MESSY.encode("iso-8859-15"))
    assert (f.finess, f.start, f.end) == ("350005179", dt.date(2025, 1, 15), dt.date(2025, 1, 15))
    first, second = f.passages
    assert first.town == "L'HAŸ-LES-ROSES"
    assert (first.postcode, first.sex, first.main_diagnosis) == ("94240", "M", "S636")
    assert first.other_diagnoses == ("K56.6",)
    assert (first.exit_mode, first.destination, first.orientation) == ("8", "", "")
    assert first.exit == paris(15, 11, 30)
    assert second.entry == dt.datetime(2025, 1, 15, 16, 45, 10, tzinfo=PARIS)
    assert (second.reason, second.postcode, second.exit) == ("R51", "", None)
    assert second.other_diagnoses == ("I10",)  # a DA written without its LISTE_DA


def test_reader_keeps_regional_extensions_and_writes_them_back() -> None:
    f = read_rpu_file(MESSY.encode("iso-8859-15"))
    extra = f.passages[0].extra
    assert list(extra) == ["CIRCONSTANCE", "DATE_SORTIE_UHCD"]
    assert extra["CIRCONSTANCE"] == "Chute de sa hauteur, œdème"
    again = read_rpu_file(write_rpu_file(f))
    assert again.passages[0].extra == extra


def test_structured_extension_is_kept_as_markup() -> None:
    data = MESSY.replace(
        "<SEXE>M</SEXE>", '<SEXE>M</SEXE><UHCD code="1"><LIT>12</LIT></UHCD><DP>X99</DP>'
    )
    p = read_rpu_file(data.encode("iso-8859-15")).passages[0]
    assert p.extra["UHCD"] == '<UHCD code="1"><LIT>12</LIT></UHCD>'
    assert extra_text(p.extra, "UHCD") == "12"
    # A repeated known element: the first value counts, the other is kept, not lost.
    assert (p.main_diagnosis, p.extra["DP"]) == ("S636", "X99")
    # Written again (indented), then read: the kept markup is unchanged.
    again = read_rpu_file(write_rpu_file(read_rpu_file(data.encode("iso-8859-15"))))
    assert again.passages[0] == p


def test_declared_encoding_is_honoured() -> None:
    text = MESSY.replace("ISO-8859-15", "UTF-8")
    assert read_rpu_file(text.encode("utf-8")).passages[0].town == "L'HAŸ-LES-ROSES"
    latin1 = MESSY.replace("ISO-8859-15", "ISO-8859-1").replace("Ÿ", "Y").replace("œ", "oe")
    p = read_rpu_file(latin1.replace("L'HAY", "LÉHON").encode("iso-8859-1")).passages[0]
    assert p.town.startswith("LÉHON")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "vide"),
        (b"CP;COMMUNE\n35000;RENNES\n", "pas du XML"),
        (b"<OSCOUR><PASSAGES>", "pas du XML"),
        (b"<RPU><PATIENT/></RPU>", "racine est <RPU>"),
    ],
)
def test_not_an_rpu_file_raises_a_clear_error(data: bytes, message: str) -> None:
    with pytest.raises(RpuFormatError, match=message):
        read_rpu_file(data)


def test_unreadable_date_names_passage_and_element() -> None:
    data = MESSY.replace("<SORTIE>15/01/2025 11:30", "<SORTIE>2025-01-15T11:30")
    with pytest.raises(RpuValueError) as caught:
        read_rpu_file(data.encode("iso-8859-15"))
    assert (caught.value.passage, caught.value.element) == (1, "SORTIE")
    assert "passage 1, SORTIE : valeur « 2025-01-15T11:30 » illisible" in str(caught.value)


def test_passage_without_entry_cannot_be_read() -> None:
    data = MESSY.replace("<ENTREE>15/01/2025 16:45:10</ENTREE>", "<ENTREE/>")
    with pytest.raises(RpuValueError, match="passage 2, ENTREE"):
        read_rpu_file(data.encode("iso-8859-15"))


def test_model_refuses_naive_times() -> None:
    with pytest.raises(ValueError, match="aware"):
        passage(entry=dt.datetime(2025, 1, 15, 10, 0))  # noqa: DTZ001 - the point of the test
