# SPDX-License-Identifier: GPL-3.0-or-later
"""Plain Python values of the Parley API: addresses, members, grants, history entries, incidents,
notices, events."""
import enum
from dataclasses import dataclass, field
from typing import Optional


class Role(enum.IntEnum):
    SUPERVISOR = 1
    PARTY_ADMIN = 2
    MEMBER = 3
    OBSERVER = 4


class EventKind(enum.IntEnum):
    CONNECTED = 1
    DISCONNECTED = 2
    MESSAGE_RECEIVED = 3
    MESSAGE_SENT = 4
    SEND_FAILED = 5
    DECRYPT_FAILED = 6
    PREKEYS_REPLENISHED = 7
    PROTOCOL_ERROR = 8
    CHANNEL_MESSAGE_RECEIVED = 9
    CHARTER_CHANGED = 10
    PERMISSION_DENIED = 11
    SECURITY_ALERT = 12
    PROPOSAL_RECEIVED = 13
    ACKNOWLEDGEMENT_RECEIVED = 14
    MESSAGE_OVERDUE = 15
    ESCALATION_RECEIVED = 16
    INCIDENT_UPDATED = 17
    NOTICE_RECEIVED = 18
    NOTICES_CONFLICT = 19
    INVITATION_RECEIVED = 20


class Precedence(enum.IntEnum):
    """On ack_required channels: the acknowledgement is due within min(policy, 6 h / 3 h / 30 min / 10 min)."""
    ROUTINE = 1
    PRIORITY = 2
    IMMEDIATE = 3
    FLASH = 4


class AckState(enum.IntEnum):
    PENDING = 1
    ACKNOWLEDGED = 2
    LATE = 3
    OVERDUE = 4


class Severity(enum.IntEnum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4


class ResolvedBy(enum.IntEnum):
    AGREEMENT = 1   # both involved parties agreed to the same proposal
    SUPERVISOR = 2


@dataclass(frozen=True, order=True)
class Address:
    user: str
    device: int = 1

    def __str__(self):
        return f"{self.user}.{self.device}"


@dataclass(frozen=True, order=True)
class MessageRef:
    """One channel message: its sender device and the sender's 16-byte message id."""
    sender: Address
    id: bytes


@dataclass(frozen=True)
class GeoPoint:
    """A WGS-84 point in fixed point: degrees * 10**7 (latitude within +-80 degrees)."""
    lat_e7: int
    lon_e7: int

    @staticmethod
    def degrees(lat, lon):
        return GeoPoint(round(lat * 1e7), round(lon * 1e7))


@dataclass(frozen=True)
class Circle:
    center: GeoPoint
    radius_m: int  # 1 m .. 500 km


@dataclass(frozen=True)
class Polygon:
    vertices: tuple  # 3..64 GeoPoint values, simple, implicitly closed


@dataclass(frozen=True)
class Notice:
    """Planned activity in `area` (a Circle or Polygon) during [start_ms, end_ms)."""
    area: object
    start_ms: int
    end_ms: int
    description: str = ""


@dataclass(frozen=True)
class NoticeEntry:
    """A deconfliction notice as a device holds it, with the other parties' notices it overlaps."""
    ref: MessageRef
    party: str
    sent_at_ms: int
    notice: Notice
    conflicts: tuple = ()  # MessageRef values


@dataclass(frozen=True)
class IncidentComment:
    ref: MessageRef
    party: str
    at_ms: int
    text: str


@dataclass(frozen=True)
class ResolutionProposal:
    ref: MessageRef  # what resolve_incident(proposal=...) names
    party: str
    at_ms: int
    text: str
    agreed: frozenset = frozenset()  # involved parties that agreed to it


@dataclass(frozen=True)
class Resolution:
    by: ResolvedBy
    proposal: Optional[MessageRef]  # None when the supervisor resolved without one
    resolved_by: MessageRef         # the operation that completed it
    at_ms: int
    text: str


@dataclass(frozen=True)
class Incident:
    """An incident (dispute) as this device computes it from the operations it holds."""
    id: bytes
    opened_by: MessageRef
    opener_party: str
    respondent_party: str
    opened_at_ms: int
    title: str
    details: str
    severity: Severity
    location: Optional[GeoPoint]
    acknowledged: dict   # party -> ms of its earliest acknowledgement
    comments: tuple      # IncidentComment values, in the agreed order
    proposals: tuple     # ResolutionProposal values, in the agreed order
    resolution: Optional[Resolution]

    @property
    def resolved(self):
        return self.resolution is not None


@dataclass(frozen=True)
class Member:
    """A device of a cell; `identity_key` is its Client.identity_key, exchanged out of band."""
    address: Address
    party: str
    identity_key: bytes
    role: Role = Role.MEMBER


@dataclass(frozen=True)
class Proposal:
    """Membership changes of one party, as a party admin proposes them."""
    add: tuple = ()      # Member values
    remove: tuple = ()   # Address values
    roles: tuple = ()    # (user, Role) pairs


@dataclass(frozen=True)
class Grant:
    """Who may READ or POST: a party, a user, or one device."""
    kind: int
    name: str
    device: int = 0

    @staticmethod
    def party(name):
        return Grant(1, name)

    @staticmethod
    def user(name):
        return Grant(2, name)

    @staticmethod
    def of_device(address):
        return Grant(3, address.user, address.device)


@dataclass(frozen=True)
class HistoryEntry:
    channel: str
    sender: Address
    id: bytes
    epoch: int
    sent_at_ms: int
    received_at_ms: int
    text: str
    precedence: int = 1  # a Precedence


@dataclass(frozen=True)
class Event:
    """One event; fields a kind does not use are empty (see parley.h's parley_event_kind)."""
    kind: EventKind
    peer: Optional[Address] = None
    id: bytes = b""
    cell: bytes = b""
    channel: str = ""
    epoch: int = 0
    sent_at_ms: int = 0
    text: str = ""
    count: int = 0
    joined: bool = False
    error_code: int = 0
    error_message: str = ""
    proof: tuple = field(default=())  # SECURITY_ALERT: (applied, conflicting) commit bytes
    proposal_id: bytes = b""  # PROPOSAL_RECEIVED
    proposal: Optional[Proposal] = None
    precedence: int = 0       # CHANNEL_MESSAGE_RECEIVED: a Precedence
    party: str = ""           # ACKNOWLEDGEMENT_RECEIVED, MESSAGE_OVERDUE, ESCALATION_RECEIVED
    by: Optional[Address] = None  # ACKNOWLEDGEMENT_RECEIVED
    deadline_ms: int = 0
    incident: bytes = b""     # INCIDENT_UPDATED: the incident's id (peer, id: the operation)
    other: Optional[MessageRef] = None  # NOTICES_CONFLICT: the second notice (peer, id: the first)
    other_party: str = ""     # NOTICES_CONFLICT: the second notice's party (party: the first's)
    notice: Optional[Notice] = None     # NOTICE_RECEIVED
    genesis: bytes = b""      # INVITATION_RECEIVED: pass to Client.accept_invitation
    fingerprint: bytes = b""  # INVITATION_RECEIVED: of the key that signed the cell's genesis


# --- a view of a cell (Client.cell, Client.cell_views) ---------------------------------------


@dataclass(frozen=True)
class CellDevice:
    """A device of a cell member, with the key the charter binds to it and that key's fingerprint."""
    address: Address
    identity_key: bytes
    identity_fingerprint: bytes  # 32 bytes; fingerprint_digits() gives the digits people compare


@dataclass(frozen=True)
class CellMemberView:
    user: str
    party: str
    role: Role
    devices: tuple  # CellDevice values, by device number


@dataclass(frozen=True)
class ChannelView:
    """A channel (archived ones included), its policy, and this device's READ/POST on it now."""
    name: str          # the channel id that post() and history() take
    display_name: str
    archived: bool
    read: tuple        # Grant values
    post: tuple        # Grant values
    ack_required: bool
    ack_deadline_seconds: int
    attested: bool
    retention_seconds: int
    can_read: bool
    can_post: bool


@dataclass(frozen=True)
class PendingProposal:
    """A party admin's proposal waiting for this supervisor device to accept or reject it."""
    id: bytes
    proposer: Address
    base_epoch: int
    received_at_ms: int
    changes: Proposal
    summary: str


@dataclass(frozen=True)
class CellView:
    """One cell as this device's charter says now (the same view the C++, C and JS APIs give)."""
    id: bytes
    name: str
    genesis: bytes                 # the genesis hash: what join_anchor(cell) encodes
    supervisor_fingerprint: bytes  # of the key that signed the genesis
    supervisor_fingerprint_digits: str
    epoch: int
    party: Optional[str]           # this device's party; None once it is no longer in the cell
    role: Optional[Role]
    supervisor_party: str
    parties: tuple                 # sorted
    members: tuple                 # CellMemberView values, by user
    channels: tuple                # ChannelView values, by name
    pending_proposals: tuple = ()  # PendingProposal values (supervisor devices only)

    def channel(self, name):
        """The ChannelView called `name`, or None."""
        return next((c for c in self.channels if c.name == name), None)


@dataclass(frozen=True)
class TranscriptAck:
    """A valid acknowledgement of a transcript message: the party, its device, when it says."""
    party: str
    device: Address
    at_ms: int


@dataclass(frozen=True)
class TranscriptMessage:
    """The verdict on one message of a transcript (parley/verify.hpp)."""
    index: int
    ref: MessageRef
    sequence: int
    epoch: int
    sent_at_ms: int
    precedence: Optional[Precedence]  # None for a value that is not a precedence
    verdict: str                      # "valid", "forged", "equivocation"
    reason: str                       # "none" unless forged: the first check that failed
    detail: str
    conflicts_with: Optional[int]     # equivocation: the index of the other message
    acks: tuple                       # TranscriptAck values, by time


@dataclass(frozen=True)
class TranscriptMissing:
    """A gap in a sender's numbers, or an acknowledged message the transcript lacks."""
    kind: str                         # "sequence_gap" or "acknowledged_message"
    sender: Address
    first_sequence: int = 0
    last_sequence: int = 0
    target: Optional[MessageRef] = None
    acknowledged_by: Optional[MessageRef] = None


@dataclass(frozen=True)
class TranscriptReport:
    """What verify_transcript found: the cell, channel and genesis, and each message's verdict."""
    cell: bytes
    channel: str
    genesis: bytes
    charter_epoch: int
    from_ms: int
    to_ms: int
    messages: tuple                   # TranscriptMessage values, in transcript order
    missing: tuple                    # TranscriptMissing values
    all_valid: bool                   # every message valid and nothing missing
