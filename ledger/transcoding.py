"""The event store's transcoder: the library's JSON transcoder, writing the same
bytes faster (docs/decisions.md, "An import's CPU per row").

The library writes an event's state with `json.JSONEncoder(separators=(",", ":"),
ensure_ascii=False)`, calling back into Python for every datetime and UUID (its
`default`, which tags them `{"_type_": ..., "_data_": ...}`). Here a state whose
top-level values are datetimes (every event's times), UUIDs, or what orjson writes
as the json module does (`ledger.domain.plain_json.is_plain`) is written by
orjson, in its own key order as the library does, the datetimes and UUIDs tagged
as the library tags them; anything else goes the library's way. Reading is the
library's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any
from uuid import UUID

from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, Transcoding, UUIDAsHex

from ledger.domain.plain_json import PLAIN_SCALARS, is_plain, reraise_interrupt


class StoreTranscoder(JSONTranscoder):
    """`JSONTranscoder` with orjson for states it writes alike (see the module)."""

    def __init__(self) -> None:
        super().__init__()
        self._dumps: Callable[[Any], bytes] | None = None
        # Whether datetimes and UUIDs are written by the library's own transcodings,
        # which `_plain_text` restates (the application registers them).
        self._tags_known = False

    def register(self, transcoding: Transcoding) -> None:
        super().register(transcoding)
        self._tags_known = type(self.types.get(datetime)) is DatetimeAsISO and (
            type(self.types.get(UUID)) is UUIDAsHex
        )

    def encode(self, obj: Any) -> bytes:
        if self._tags_known and type(obj) is dict:
            written = self._plain_text(obj)
            if written is not None:
                return written
        return super().encode(obj)

    def _plain_text(self, state: dict[str, Any]) -> bytes | None:
        """The state as the library's encoder writes it, or None when orjson might
        write it otherwise."""
        ids = False
        for value in state.values():
            kind = type(value)
            if kind is UUID:
                ids = True
            elif kind is not datetime and kind not in PLAIN_SCALARS and not is_plain(value):
                return None
        if ids:  # orjson writes a UUID its own way: tagged here, as the library tags it
            state = {k: _tagged_id(v) if type(v) is UUID else v for k, v in state.items()}
        if self._dumps is None:
            # Imported on first write: a process that only reads never needs it.
            import orjson

            # Datetimes are handed to `_tagged_time` (`default`), as the library's
            # encoder hands them to its own: no copy of the state is made for them.
            self._dumps = partial(
                orjson.dumps, default=_tagged_time, option=orjson.OPT_PASSTHROUGH_DATETIME
            )
        try:
            # Copied: orjson's own bytes keep the capacity of its write buffer, and a
            # save holds a batch's thousands of states at once (30 MB more at the
            # peak of a 50,000-row import); the copy is exactly its length.
            return bytes(memoryview(self._dumps(state)))
        except TypeError as error:  # orjson.JSONEncodeError: a lone surrogate, an
            reraise_interrupt(error)  # integer too large, a key that is not text
            return None


def _tagged_time(value: Any) -> dict[str, str]:
    if type(value) is datetime:
        return {"_type_": DatetimeAsISO.name, "_data_": value.isoformat()}
    raise TypeError(f"{type(value).__name__} is left to the library's encoder")


def _tagged_id(value: UUID) -> dict[str, str]:
    return {"_type_": UUIDAsHex.name, "_data_": value.hex}
