"""A view's handlers registered on first use (`projections.base.Handlers`) give
every event class the handler an eager registration gives it, whichever class is
looked up first. Each side runs in a new interpreter, where nothing has been
registered yet."""

from __future__ import annotations

import json
import subprocess
import sys

_HANDLERS_GIVEN = """
import importlib, json, pkgutil, random, sys
from eventsourcing.domain import DomainEvent
from projections.base import Handlers
from projections.catalogue import CATALOGUE

for module, _ in CATALOGUE.values():
    importlib.import_module(module)
for module in ("projections.customer360_handlers", "projections.customer360_replay",
               "projections.sla.replay", "projections.sla.batch"):
    importlib.import_module(module)
registries = {f"{m}.{a}": r for m in sorted(sys.modules) if m.startswith("projections")
              for a, r in vars(sys.modules[m]).items() if isinstance(r, Handlers)}
import ledger.domain.events as events
for area in pkgutil.iter_modules(events.__path__):
    importlib.import_module(f"ledger.domain.events.{area.name}")
classes, todo = {}, [DomainEvent]
while todo:
    for sub in todo.pop().__subclasses__():
        todo.append(sub)
        if sub.__module__.startswith("ledger"):
            classes[f"{sub.__module__}.{sub.__qualname__}"] = sub
order = sorted(classes)
if sys.argv[1] == "eager":
    for registry in registries.values():
        registry.register_pending()
    given = lambda registry, cls: registry.handle.dispatch(cls)
else:
    random.Random(int(sys.argv[2])).shuffle(order)
    given = lambda registry, cls: registry[cls]
print(json.dumps({
    name: {c: f"{h.__module__}:{h.__code__.co_firstlineno}"
           for c in order for h in [given(registry, classes[c])]}
    for name, registry in registries.items()
}))
"""


def handlers(*args: str) -> dict[str, dict[str, str]]:
    run = subprocess.run(
        [sys.executable, "-c", _HANDLERS_GIVEN, *args], capture_output=True, text=True, check=True
    )
    found: dict[str, dict[str, str]] = json.loads(run.stdout)
    return found


def test_handlers_registered_on_first_use_are_those_registered_at_once() -> None:
    eager = handlers("eager")

    # Some views, and some classes that only a base's handler handles.
    assert len(eager) >= 10
    assert all(len(given) > 60 for given in eager.values())
    for seed in ("1", "2", "3"):
        assert handlers("lazy", seed) == eager
