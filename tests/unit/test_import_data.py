"""The generator of large import files (benchmarks/import_data.py): the same seed
gives the same bytes, each file is written as it says (encoding, delimiter,
columns), the records agree with each other as an import needs them to, and the
spoiled rows are exactly those listed."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest

from benchmarks import import_data
from benchmarks.import_data import EXPECTED_REJECTS, FILES, generate, staff_accounts
from ledger.domain.personal import PERSONAL_FIELDS
from ledger.imports.contract import SourceRow
from ledger.imports.kinds.personal_columns import personal_details

ROWS = 5000  # 100 customers: the total stays within a few per cent of it


def read(folder: Path, kind: str) -> list[dict[str, str]]:
    _, encoding, delimiter = FILES[kind]
    with (folder / f"{kind}.csv").open(encoding=encoding, newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("import-data")
    generate(folder, ROWS, seed=3)
    return folder


def test_the_same_seed_writes_the_same_bytes_and_another_seed_other_ones(
    files: Path, tmp_path: Path
) -> None:
    generate(tmp_path / "again", ROWS, seed=3)
    generate(tmp_path / "other", ROWS, seed=4)
    for kind in FILES:
        name = f"{kind}.csv"
        assert (tmp_path / "again" / name).read_bytes() == (files / name).read_bytes()
    assert (tmp_path / "other" / "contacts.csv").read_bytes() != (
        files / "contacts.csv"
    ).read_bytes()


def test_each_file_is_written_as_a_real_export_would_be(files: Path) -> None:
    assert (files / "customers.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    contacts = (files / "contacts.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        contacts.decode("utf-8")  # Chinese text in GB18030 is not UTF-8
    assert (files / "visits.csv").read_bytes().decode("gb18030").splitlines()[0].count("\t") > 5
    for kind, (columns, encoding, delimiter) in FILES.items():
        with (files / f"{kind}.csv").open(encoding=encoding, newline="") as handle:
            records = list(csv.reader(handle, delimiter=delimiter))
        assert tuple(records[0]) == columns
        assert all(len(record) == len(columns) for record in records[1:]), kind


def test_about_the_rows_asked_for_in_a_realistic_mix(files: Path) -> None:
    counts = {kind: len(read(files, kind)) for kind in FILES}
    assert abs(sum(counts.values()) - ROWS) < ROWS * 0.1
    assert counts["customers"] == ROWS // import_data.ROWS_PER_CUSTOMER
    assert counts["contacts"] > counts["visits"] > counts["customers"]
    assert all(counts[kind] > 0 for kind in FILES)
    complaints = read(files, "complaints")
    assert any(c["resolved_at"] and c["root_cause"] for c in complaints)
    assert any(c["paused_at"] and c["resumed_at"] for c in complaints)
    assert any(not c["resolved_at"] for c in complaints)
    names = [c["name"] for c in read(files, "customers")]
    assert len(set(names)) == len(names)
    assert all("\u4e00" <= name[0] <= "\u9fff" for name in names)


def test_a_share_of_people_carry_form_2s_details_as_person_add_takes_them(files: Path) -> None:
    people = read(files, "people")
    # Read as the import reads them: a value the typed command refuses would raise.
    details = [
        personal_details(SourceRow("people.csv", n, "", row)) for n, row in enumerate(people, 2)
    ]
    beyond_contact = {"birth_date", "home_phone", "office_phone", "birthplace", "school", "hobbies"}
    assert beyond_contact <= set(PERSONAL_FIELDS)
    carrying = [d for d in details if beyond_contact & set(d)]
    assert 0.2 < len(carrying) / len(people) < 0.5
    for column in beyond_contact:
        assert any(column in d for d in carrying), column


def test_records_name_only_what_exists_and_come_after_their_customer(files: Path) -> None:
    customers = {c["customer_id"]: c for c in read(files, "customers")}
    people = {p["person_id"]: p for p in read(files, "people")}
    staff = {member.staff_id for member in staff_accounts(files)}
    cases = {c["complaint_id"] for c in read(files, "complaints")} | {
        i["inquiry_id"] for i in read(files, "inquiries")
    }

    def time(text: str) -> datetime:
        return datetime.strptime(text, "%Y-%m-%d %H:%M")

    for kind, time_column in (
        ("people", "added_at"),
        ("contacts", "occurred_at"),
        ("visits", "visited_at"),
        ("complaints", "filed_at"),
        ("escalations", "raised_at"),
    ):
        for row in read(files, kind):
            customer = customers[row["customer"]]
            assert time(row[time_column]) > time(customer["registered_at"]), (kind, row)
            assert (row.get("staff") or row.get("visitor")) in staff
    for row in read(files, "contacts"):
        for person in filter(None, row["people"].split(";")):
            assert people[person]["customer"] == row["customer"]
            assert time(people[person]["added_at"]) < time(row["occurred_at"])
    for row in read(files, "escalations"):
        assert row["case"] in cases
    for row in read(files, "complaints"):
        if row["resolved_at"]:
            assert time(row["resolved_at"]) > time(row["filed_at"])
    for row in read(files, "customers"):
        assert row["owner"] in staff and row["registered_by"] in staff


def test_spoiled_rows_are_listed_with_their_line_and_are_the_only_ones_changed(
    files: Path, tmp_path: Path
) -> None:
    spoiled = tmp_path / "spoiled"
    written = generate(spoiled, ROWS, seed=3, defects=True)
    with (spoiled / EXPECTED_REJECTS).open(encoding="utf-8", newline="") as handle:
        listed = {(r["file"], int(r["line"])): r["defect"] for r in csv.DictReader(handle)}
    assert len(listed) == written.defects > 0
    for kind, (_, encoding, delimiter) in FILES.items():
        name = f"{kind}.csv"
        clean = (files / name).read_bytes().decode(encoding).splitlines()
        dirty = (spoiled / name).read_bytes().decode(encoding).splitlines()
        assert len(clean) == len(dirty)
        changed = {n + 1 for n, (a, b) in enumerate(zip(clean, dirty, strict=True)) if a != b}
        assert changed == {line for (file, line) in listed if file == name}, kind
        for line in changed:
            defect = listed[(name, line)]
            assert defect in import_data.DEFECTS
            if defect == "bad date":
                assert "2024-13-45" in dirty[line - 1]
            if defect == "unknown customer":
                assert dirty[line - 1].split(delimiter)[0] == "KH-NO-SUCH"
