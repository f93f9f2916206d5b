"""Key people's personal details (docs/domain.md, "Personal data"): sealed with a
key per person, opened at read time, erased by destroying the key; no copy stays
readable. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli import ledger
from ledger import commands as c
from ledger.application import Ledger
from ledger.audit import Auditor
from ledger.domain.customer import Customer
from ledger.errors import AccessDeniedError
from ledger.export import Exporter
from ledger.person_keys import TABLE
from ledger.sealing import key_id
from ledger.storage import Storage
from projections.views import Views

ACTOR = "li.wei"  # an executive (tests/staffing.py)
# Distinctive values, one per personal field, found nowhere else.
DETAILS: dict[str, Any] = {
    "birth_date": "1961-07-23",
    "birthplace": "Xuyongzhen-Birthtown",
    "native_place": "Qianjiangwan-Nativeplace",
    "education": "MSc Glaciology-Qzx",
    "school": "Vrellington-Academy",
    "family": "Twin-daughters-Qvolt",
    "hobbies": "Zorbing-and-Kiteqx",
    "journals": "Journal-of-Qwyx-Cargo",
    "associations": "Society-of-Plimzak",
    "work_history": "Years-at-Frobnitz-Freight",
    "mobile": "+86 139 7531 8642",
    "office_phone": "+86 10 8642 9753",
    "home_phone": "+86 10 2468 1357",
    "emails": ["qiuyue.zhangsan@plimzak.example"],
    "notes": "Prefers-oolong-Zhqx",
}
NEEDLES = [v for value in DETAILS.values() for v in (value if isinstance(value, list) else [value])]


def add_person(app: Ledger) -> str:
    app.register_customer(c.RegisterCustomer(actor=ACTOR, name="Harbour Logistics", segment="air"))
    receipt = app.add_key_person(
        c.AddKeyPerson(
            actor=ACTOR,
            customer="C-00001",
            name="Qiu Yue",
            title="Operations director",
            decision_role="decision_maker",
            counterpart=ACTOR,
            **DETAILS,
        )
    )
    return receipt.subject


def erase(app: Ledger, command_id: str = "erase-1") -> Any:
    return app.erase_personal_data(
        c.ErasePersonalData(
            actor=ACTOR,
            customer="C-00001",
            case="P1",
            reason="Asked to be forgotten",
            request_ref="PIPL-2026-007",
            requested_by="Qiu Yue",
            command_id=command_id,
        )
    )


@pytest.fixture
def views(ledger_app: Ledger, storage: Storage) -> Iterator[Views]:
    views = Views(ledger_app, storage)
    yield views
    views.close()


def stored_bytes(storage: Storage) -> dict[str, bytes]:
    """Everything the database holds, as bytes: the SQLite file and its companions
    as they are on disk; on PostgreSQL every table of the schema, read by SQL."""
    if not storage.is_postgres:
        found = {}
        for suffix in ("", "-wal", "-shm", "-journal"):
            path = Path(storage.location + suffix)
            if path.exists():
                found[path.name] = path.read_bytes()
        return found
    import psycopg

    env = storage.env
    schema = env.get("POSTGRES_SCHEMA", "public")
    with psycopg.connect(
        dbname=env["POSTGRES_DBNAME"],
        host=env["POSTGRES_HOST"],
        port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"],
        autocommit=True,
    ) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,)
            )
        ]
        found = {}
        for table in tables:
            rows = conn.execute(f'SELECT t::text FROM "{schema}"."{table}" t').fetchall()
            # bytea columns read as \\x hex: the needles are searched as text and hex.
            found[table] = "\n".join(r[0] for r in rows).encode("utf-8")
        assert TABLE in tables
        return found


def hits(storage: Storage, needles: list[bytes]) -> dict[str, list[bytes]]:
    found: dict[str, list[bytes]] = {}
    for place, content in stored_bytes(storage).items():
        for needle in needles:
            if needle in content or needle.hex().encode() in content:
                found.setdefault(place, []).append(needle)
    return found


def plain(*texts: str) -> list[bytes]:
    return [t.encode("utf-8") for t in texts]


def test_personal_details_are_stored_only_as_ciphertext(
    ledger_app: Ledger, views: Views, storage: Storage
) -> None:
    add_person(ledger_app)
    views.rebuild()
    customer_id = ledger_app.resolve_customer("C-00001")

    stored = ledger_app.recorder.select_events(customer_id)[1]
    state = ledger_app.mapper.transcoder.decode(stored.state)
    assert set(state["personal"]) == {"key", "nonce", "sealed"}
    assert hits(storage, plain(*NEEDLES)) == {}
    # The search does see what is stored in plain text: the business facts.
    assert hits(storage, plain("Qiu Yue", "Operations director")) != {}
    # ... and yet they open for someone allowed to see them.
    reader = ledger_app.personal_reader(ledger_app.caller(ACTOR))
    event = ledger_app.event_at(customer_id, 2)
    assert reader.of_event(event) == DETAILS


def test_after_erasure_and_a_rebuild_no_copy_of_the_details_or_the_key_stays(
    ledger_app: Ledger, views: Views, storage: Storage
) -> None:
    add_person(ledger_app)
    views.catch_up()
    customer_id = ledger_app.resolve_customer("C-00001")
    key = ledger_app.keys.key(key_id(customer_id, "P1"))
    assert key is not None

    erase(ledger_app)
    views.rebuild()

    assert ledger_app.keys.key(key_id(customer_id, "P1")) is None
    assert hits(storage, [*plain(*NEEDLES), key]) == {}
    reader = ledger_app.personal_reader(ledger_app.caller(ACTOR))
    assert reader.of_event(ledger_app.event_at(customer_id, 2)) == "erased"
    report = Auditor(ledger_app.recorder, ledger_app.mapper).verify_all()
    assert report.ok


def test_an_erased_person_keeps_their_business_facts(ledger_app: Ledger) -> None:
    add_person(ledger_app)

    erasure = erase(ledger_app)

    customer: Customer = ledger_app.get_customer("C-00001")
    person = customer.people["P1"]
    assert (person["name"], person["decision_role"], person["counterpart"]) == (
        "Qiu Yue",
        "decision_maker",
        ACTOR,
    )
    assert person["erased"] is True
    assert (erasure.receipt.version, erasure.receipt.replayed, erasure.plain_versions) == (
        3,
        False,
        [],
    )


def test_erasing_twice_writes_nothing_and_says_when_it_was_erased(ledger_app: Ledger) -> None:
    add_person(ledger_app)
    erase(ledger_app)
    written = ledger_app.recorder.max_notification_id()

    again = erase(ledger_app, command_id="erase-2")

    assert (again.receipt.version, again.receipt.replayed) == (3, True)
    assert ledger_app.recorder.max_notification_id() == written


def test_an_erasure_interrupted_before_the_key_was_destroyed_is_finished_by_a_rerun(
    ledger_app: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_person(ledger_app)
    customer_id = ledger_app.resolve_customer("C-00001")
    keys = ledger_app.keys

    def crash(kid: str) -> None:
        raise RuntimeError("power cut")

    monkeypatch.setattr(keys, "destroy", crash)
    with pytest.raises(RuntimeError):
        erase(ledger_app)
    monkeypatch.undo()
    # The erasure is on record although the key survived the crash ...
    assert ledger_app.get_customer("C-00001").people["P1"]["erased"] is True
    assert keys.key(key_id(customer_id, "P1")) is not None

    again = erase(ledger_app, command_id="erase-2")

    # ... and running it again destroys the key, writing nothing new.
    assert again.receipt.replayed
    assert keys.key(key_id(customer_id, "P1")) is None


def test_no_personal_details_are_recorded_for_an_erased_person(ledger_app: Ledger) -> None:
    add_person(ledger_app)
    erase(ledger_app)

    with pytest.raises(Exception, match="was erased on request"):
        ledger_app.update_key_person(
            c.UpdateKeyPerson(actor=ACTOR, customer="C-00001", case="P1", hobbies="Chess")
        )
    # Business facts can still change.
    ledger_app.update_key_person(
        c.UpdateKeyPerson(actor=ACTOR, customer="C-00001", case="P1", title="President")
    )


def test_an_export_leaves_personal_details_out_unless_asked_for(ledger_app: Ledger) -> None:
    add_person(ledger_app)
    reader = ledger_app.personal_reader(ledger_app.caller(ACTOR))

    plain_export = list(Exporter(ledger_app.recorder, ledger_app.mapper).whole_log())
    with_personal = list(
        Exporter(ledger_app.recorder, ledger_app.mapper, personal=reader).whole_log()
    )

    assert "personal" not in plain_export[1]["data"]
    assert not any(n in json.dumps(plain_export, default=str) for n in NEEDLES)
    assert with_personal[1]["data"]["personal"] == DETAILS
    erase(ledger_app)
    after = ledger_app.personal_reader(ledger_app.caller(ACTOR))
    exported = list(Exporter(ledger_app.recorder, ledger_app.mapper, personal=after).whole_log())
    assert exported[1]["data"]["personal"] == "erased"


def test_only_an_executive_erases(ledger_app: Ledger) -> None:
    add_person(ledger_app)
    for staff_id, role in (("he.ping", "auditor"), ("zhao.li", "segment_head")):
        ledger_app.add_staff(
            c.AddStaff(
                actor="ops",
                staff=staff_id,
                name=staff_id,
                role=role,
                **({"segment": "air"} if role == "segment_head" else {}),
            )
        )
        with pytest.raises(AccessDeniedError, match="erased by an executive"):
            ledger_app.erase_personal_data(
                c.ErasePersonalData(
                    actor=staff_id,
                    customer="C-00001",
                    case="P1",
                    reason="Asked",
                    request_ref="R-1",
                    requested_by="Qiu Yue",
                )
            )


def test_erasure_is_told_in_the_history_and_the_details_show_as_erased(
    db_url: str, ledger_app: Ledger
) -> None:
    add_person(ledger_app)
    erase(ledger_app)

    result = CliRunner().invoke(
        ledger, ["--db", db_url, "--as", ACTOR, "--format", "json", "history", "C-00001"]
    )

    assert result.exit_code == 0, result.output
    entries = json.loads(result.stdout)
    assert entries[1]["data"]["personal"] == "erased"
    assert entries[1]["text"].endswith("Personal details: erased.")
    assert entries[2]["text"] == (
        "Personal data of Qiu Yue (P1) erased on request PIPL-2026-007 by Qiu Yue: "
        "Asked to be forgotten."
    )


def test_a_repeated_person_add_makes_no_key(ledger_app: Ledger) -> None:
    ledger_app.register_customer(
        c.RegisterCustomer(actor=ACTOR, name="Harbour Logistics", segment="air")
    )
    command = c.AddKeyPerson(
        actor=ACTOR, customer="C-00001", name="Qiu Yue", title="Director",
        decision_role="decision_maker", command_id="add-qiu", **DETAILS,
    )  # fmt: skip
    ledger_app.add_key_person(command)

    again = ledger_app.add_key_person(command)

    customer_id = ledger_app.resolve_customer("C-00001")
    assert (again.subject, again.replayed) == ("P1", True)
    # Trying the repeat on a copy of the customer (is it the same command?) would
    # seal for the next person, P2: no key of theirs may be stored for it.
    assert ledger_app.keys.key(key_id(customer_id, "P2")) is None
