# SPDX-License-Identifier: GPL-3.0-or-later
"""Parley for Python: end-to-end-encrypted communication cells, over the C ABI (libparley.so).

    with parley.Client("alice", "alice.db", passphrase="...", relay_port=port) as alice:
        alice.start()
        ...
"""
from ._lib import lib as _clib
from .client import Client
from .errors import ErrorCode, ParleyError
from .types import AckState, Address, Event, EventKind, Grant, HistoryEntry, Member, Precedence, Proposal, Role

__version__ = _clib.parley_version().decode()
__all__ = ["AckState", "Precedence", "Address", "Client", "ErrorCode", "Event", "EventKind", "Grant", "HistoryEntry", "Member", "ParleyError",
           "Proposal", "Role", "__version__"]
