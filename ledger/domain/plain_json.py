"""Values whose compact JSON text orjson writes exactly as the json module does.

Two writers need the json module's text (`json.JSONEncoder(ensure_ascii=False,
separators=(",", ":"))`, with or without sorted keys) and want orjson's speed:
the hash chain (`ledger/domain/chain.py`) and the event store's transcoder
(`ledger/transcoding.py`). For text, integers up to 64 bits, booleans, nulls,
lists and objects with text keys the two write the same text (the same
escapes; orjson refuses a lone surrogate or a larger integer, and the caller
then writes the json module's way). For a float they agree only where both
write it as a plain decimal: orjson writes `1e-05` as `0.00001`, and NaN as
`null`. `tests/unit/test_chain_encoding.py` checks both ways of writing.
"""

from __future__ import annotations

from typing import Any

# The floats both write alike (besides zero), as `repr` writes them: from 1e-4, where
# `repr` turns to an exponent below, to 1e16, where both turn to one (`1e+16`).
PLAIN_FLOAT_LOW = 1e-4
PLAIN_FLOAT_HIGH = 1e16
# The types both write alike whatever their value (a quick test before `is_plain`).
PLAIN_SCALARS = frozenset({str, int, bool, type(None)})


def is_plain(value: Any) -> bool:
    """Whether `value` holds only what both write alike: text, integers, booleans,
    nulls, floats in the plain range, lists and objects with text keys of them (no
    datetime, UUID or other type, which only the json module's `default` writes)."""
    kind = type(value)
    # The exact types first: most values are one of them, and `isinstance` with a
    # union costs several times as much (an event's content is walked as it is
    # recorded and as it is stored).
    if kind is str or kind is int or kind is bool or value is None:
        return True
    if kind is float:
        return bool(value == 0.0 or PLAIN_FLOAT_LOW <= abs(value) < PLAIN_FLOAT_HIGH)
    # Loops, not `all(...)`: a generator per container costs more than the walk of
    # the small ones events hold.
    if kind is dict:
        for key, item in value.items():  # noqa: SIM110
            if type(key) is not str or not is_plain(item):
                return False
        return True
    if kind is list or kind is tuple:
        for item in value:  # noqa: SIM110
            if not is_plain(item):
                return False
        return True
    # A text or integer enum: both write its value. Other subclasses (of float, of
    # dict or list) are left to the json module.
    return isinstance(value, str | int)


def reraise_interrupt(error: TypeError) -> None:
    """orjson hands what its `default` raised back as its own encoding error (a
    TypeError), which callers answer by writing the text another way: an interrupt
    (Ctrl-C, SystemExit) raised meanwhile goes on instead of being swallowed."""
    cause = error.__cause__
    if cause is not None and not isinstance(cause, Exception):
        raise cause from None
