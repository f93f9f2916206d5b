"""What lets a process import only what it uses: the catalogue names each view's
class without importing it, and the write service adds nothing but methods to the
core a read opens (docs/decisions.md, "Start-up: a process imports what it uses")."""

from __future__ import annotations

from functools import cached_property

from ledger.application import Ledger
from ledger.service import LedgerCore
from projections.catalogue import CATALOGUE, all_projections, projection_class


def test_every_view_is_listed_under_its_own_name() -> None:
    listed = {name: projection_class(name).name for name in CATALOGUE}

    assert listed == {name: name for name in CATALOGUE}
    assert [p.name for p in all_projections()] == list(CATALOGUE)


def test_the_write_service_adds_methods_only_to_the_core() -> None:
    """An open core becomes the write service when a command that read goes on to
    write (commands/runtime.py): sound only while nothing between the two classes
    sets up state of its own."""
    added = Ledger.__mro__[: Ledger.__mro__.index(LedgerCore)]

    with_init = [cls.__name__ for cls in added if "__init__" in vars(cls)]
    with_state = [
        f"{cls.__name__}.{name}"
        for cls in added
        for name, value in vars(cls).items()
        if not name.startswith("__")
        and not callable(value)
        # Properties are computed when asked; a class default of None is unset state.
        and not isinstance(value, property | cached_property | staticmethod | classmethod)
        and value is not None
        and name != "name"
    ]

    assert with_init == []
    assert with_state == []
    assert Ledger.name == LedgerCore.name == "Ledger"


def test_snapshots_are_taken_of_the_aggregates_named_by_topic() -> None:
    """The core names the aggregates it snapshots by topic, so that opening it does
    not import the customer aggregate: each topic must still name its class (a
    renamed or moved class would otherwise stop being snapshotted, silently)."""
    from ledger.domain.customer import Customer
    from ledger.domain.directory import CustomerNumbering
    from ledger.service import replay

    intervals = LedgerCore.snapshotting_intervals
    projectors = LedgerCore.snapshotting_projectors

    assert intervals is not None and projectors is not None
    assert (intervals.get(Customer), intervals.get(CustomerNumbering)) == (200, 200)
    assert projectors[Customer] is projectors[CustomerNumbering] is replay
    assert intervals.get(LedgerCore) is None
    assert len(intervals) == len(projectors) == 2


def test_every_customer_event_is_named_by_the_events_package() -> None:
    """`ledger.domain.events` imports an area's module when one of its names is
    first asked for: every customer event class defined in an area must be named."""
    import importlib

    from ledger.domain import events
    from ledger.domain.base import CustomerEvent

    defined = {
        name
        for area in set(events.MODULES.values())
        for name, value in vars(importlib.import_module(f"ledger.domain.events.{area}")).items()
        if isinstance(value, type)
        and issubclass(value, CustomerEvent)
        and value.__module__ == f"ledger.domain.events.{area}"
    }

    assert defined == set(events.MODULES) == {cls.__name__ for cls in events.ALL_EVENTS}
    assert all(
        cls.__module__ == f"ledger.domain.events.{events.MODULES[cls.__name__]}"
        for cls in events.ALL_EVENTS
    )


_CHECK_HANDLER_NAMES = """
import importlib, sys, typing
from projections.base import Handlers, handler_names
from projections.catalogue import CATALOGUE

modules = [importlib.import_module(module) for module, _ in CATALOGUE.values()]
modules += [importlib.import_module(name) for name in
            ("projections.customer360_handlers", "projections.sla.batch")]
checked = 0
for module in modules:
    for registry in vars(module).values():
        if not isinstance(registry, Handlers):
            continue
        for handler in {id(h): h for hs in registry.pending.values() for h in hs}.values():
            first = handler.__code__.co_varnames[0]
            hint = typing.get_type_hints(handler)[first]
            classes = typing.get_args(hint) or (hint,)
            named = sorted(handler_names(handler))
            if named != sorted(cls.__name__ for cls in classes):
                print("MISNAMED", module.__name__, handler.__qualname__, named, classes)
            checked += 1
print("CHECKED", checked)
"""


def test_every_views_handler_names_its_classes_by_their_own_names() -> None:
    """A view's handler is registered when a class its annotation names is first
    looked up (`projections.base.Handlers`), the names read from the annotation's
    text: each must be the class's own name, or the handler would never run. Run
    in a new interpreter, where no handler has been registered yet."""
    import subprocess
    import sys

    run = subprocess.run(
        [sys.executable, "-c", _CHECK_HANDLER_NAMES], capture_output=True, text=True, check=True
    )

    lines = run.stdout.splitlines()
    assert [line for line in lines if line.startswith("MISNAMED")] == []
    assert int(lines[-1].removeprefix("CHECKED ")) > 100
