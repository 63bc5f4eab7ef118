# SPDX-License-Identifier: GPL-3.0-or-later
"""Parley for Python: end-to-end-encrypted communication cells, over the C ABI (libparley.so).

    with parley.Client("alice", "alice.db", passphrase="...", relay_port=port) as alice:
        alice.start()
        ...
"""
from ._lib import lib as _clib
from .client import Client, fingerprint_digits
from .errors import ErrorCode, ParleyError
from .transcripts import verify_transcript
from .types import (AckState, Address, CellDevice, CellMemberView, CellView, ChannelView, Circle, Event, EventKind,
                    GeoPoint, Grant, HistoryEntry, Incident, IncidentComment, Member, MessageRef, Notice, NoticeEntry,
                    PendingProposal, Polygon, Precedence, Proposal, Resolution, ResolutionProposal, ResolvedBy, Role,
                    Severity, TranscriptAck, TranscriptMessage, TranscriptMissing, TranscriptReport)

__version__ = _clib.parley_version().decode()
__all__ = ["AckState", "fingerprint_digits", "Precedence", "Address", "CellDevice", "CellMemberView", "CellView",
           "ChannelView", "PendingProposal", "Circle", "Client", "ErrorCode", "Event", "EventKind", "GeoPoint",
           "Grant", "HistoryEntry", "Incident", "IncidentComment", "Member", "MessageRef", "Notice", "NoticeEntry",
           "ParleyError", "Polygon", "Proposal", "Resolution", "ResolutionProposal", "ResolvedBy", "Role", "Severity",
           "TranscriptAck", "TranscriptMessage", "TranscriptMissing", "TranscriptReport", "verify_transcript",
           "__version__"]
