# SPDX-License-Identifier: GPL-3.0-or-later
"""ParleyError and the status codes, named by the library itself (one table, no copy here)."""
import enum

from . import _lib


def _codes():
    names = {}
    for number in range(256):
        name = _lib.lib.parley_status_name(number).decode()
        if name != "unknown":
            names[name.upper()] = number
    return names


#: Every parley_status as a Python IntEnum: ErrorCode.STORE_WRONG_KEY == 20.
ErrorCode = enum.IntEnum("ErrorCode", _codes())


class ParleyError(Exception):
    """A failed Parley call: `code` (an ErrorCode), `name` ("store_wrong_key"), `message`."""

    def __init__(self, code, message):
        self.code = ErrorCode(code) if code in ErrorCode._value2member_map_ else code
        self.name = _lib.lib.parley_status_name(code).decode()
        self.message = message
        super().__init__(f"{self.name}: {message}" if message else self.name)


def check(code, err):
    """Raises ParleyError for a non-OK status; `err` is the _lib.Error the call filled."""
    if code != 0:
        raise ParleyError(code, err.message.decode("utf-8", "replace"))
