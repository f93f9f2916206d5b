"""The compiled code of dataclass methods is kept between runs, keyed by the text it
was compiled from: a later run skips the compiling, a changed class is compiled
afresh, and a store another interpreter wrote, or a damaged one, is ignored."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

import pytest

import ledger
from ledger.dataclass_code import CodeStore, read_module, read_store


def define(store: CodeStore, monkeypatch: pytest.MonkeyPatch, **fields: type) -> Any:
    """A frozen dataclass with `fields`, its methods compiled through `store`."""
    with monkeypatch.context() as patch:
        patch.setattr(dataclasses, "exec", store.exec)
        return dataclasses.make_dataclass("Visit", list(fields.items()), frozen=True)


def behaves_as_a_frozen_dataclass(cls: Any) -> None:
    one, same = cls(code="C-00042", minutes=30), cls(code="C-00042", minutes=30)
    assert one == same and hash(one) == hash(same)
    assert repr(one) == "Visit(code='C-00042', minutes=30)"
    with pytest.raises(dataclasses.FrozenInstanceError):
        one.minutes = 5


@pytest.fixture
def writable(monkeypatch: pytest.MonkeyPatch) -> None:
    """As where Python writes bytecode (the test run itself may forbid it)."""
    monkeypatch.setattr(sys, "dont_write_bytecode", False)


def test_importing_the_ledger_routes_dataclass_methods_through_the_store() -> None:
    assert isinstance(getattr(dataclasses, "exec", None).__self__, CodeStore)  # type: ignore[union-attr]
    assert ledger.dataclass_code._installed is not None


@pytest.mark.usefixtures("writable")
def test_a_later_run_uses_the_stored_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = CodeStore(tmp_path / "codes")
    behaves_as_a_frozen_dataclass(define(first, monkeypatch, code=str, minutes=int))
    first.save()

    later = CodeStore(tmp_path / "codes")
    cls = define(later, monkeypatch, code=str, minutes=int)

    assert first.compiled > 0
    assert later.compiled == 0
    behaves_as_a_frozen_dataclass(cls)


@pytest.mark.usefixtures("writable")
def test_a_changed_class_is_compiled_afresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = CodeStore(tmp_path / "codes")
    define(first, monkeypatch, code=str, minutes=int)
    first.save()

    later = CodeStore(tmp_path / "codes")
    cls = define(later, monkeypatch, code=str, minutes=int, outcome=str)

    assert later.compiled > 0
    assert repr(cls("C-1", 5, "ok")) == "Visit(code='C-1', minutes=5, outcome='ok')"


@pytest.mark.usefixtures("writable")
@pytest.mark.parametrize(
    "content", [b"", b"not a store", b"\x00\x00\r\n" + b"\xff" * 40], ids=["empty", "text", "other"]
)
def test_a_store_not_written_by_this_interpreter_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes
) -> None:
    first = CodeStore(tmp_path / "codes")
    define(first, monkeypatch, code=str, minutes=int)
    first.save()
    written = list((tmp_path / "codes").iterdir())
    for path in written:
        path.write_bytes(content)

    store = CodeStore(tmp_path / "codes")

    behaves_as_a_frozen_dataclass(define(store, monkeypatch, code=str, minutes=int))
    assert written != []
    assert store.compiled > 0
    assert read_store(tmp_path / "codes") == {}


def test_each_module_is_kept_in_a_file_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process reads the codes of the modules whose classes it defines only."""
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    first = CodeStore(tmp_path / "codes")
    define(first, monkeypatch, code=str, minutes=int)
    first.save()

    files = [path.name for path in (tmp_path / "codes").iterdir()]

    assert len(files) == 1
    assert set(read_module(tmp_path / "codes", files[0])) == set(read_store(tmp_path / "codes"))
    assert read_module(tmp_path / "codes", "some.other.module") == {}


def test_nothing_is_written_where_python_writes_no_bytecode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    store = CodeStore(tmp_path / "codes")
    define(store, monkeypatch, code=str, minutes=int)

    store.save()

    assert store.compiled > 0
    assert not (tmp_path / "codes").exists()
