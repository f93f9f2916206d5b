"""The event store's transcoder: the library's JSON transcoder, writing the same
bytes faster (docs/decisions.md, "Storing an event writes its JSON with orjson").

The library writes an event's state with `json.JSONEncoder(separators=(",", ":"),
ensure_ascii=False)`, calling back into Python for every datetime and UUID (its
`default`, which tags them `{"_type_": ..., "_data_": ...}`). Here the state's
top-level datetimes and UUIDs (every event's times) are tagged first, as that
callback tags them, and a state that then holds only what orjson writes as the
json module does (`ledger.domain.plain_json.is_plain`) is written by orjson, in
its own key order, as the library does; anything else goes the library's way.
Reading is the library's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, Transcoding, UUIDAsHex

from ledger.domain.plain_json import is_plain

_SCALARS = frozenset({str, int, bool, type(None)})


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
        tagged: dict[str, Any] = {}
        for key, value in state.items():
            kind = type(value)
            if kind is datetime:
                value = {"_type_": DatetimeAsISO.name, "_data_": value.isoformat()}
            elif kind is UUID:
                value = {"_type_": UUIDAsHex.name, "_data_": value.hex}
            elif kind not in _SCALARS and not is_plain(value):
                return None
            if type(key) is not str:
                return None
            tagged[key] = value
        if self._dumps is None:
            # Imported on first write: a process that only reads never needs it.
            import orjson

            self._dumps = orjson.dumps
        try:
            return self._dumps(tagged)
        except TypeError:  # orjson.JSONEncodeError: a lone surrogate, an integer too large
            return None
