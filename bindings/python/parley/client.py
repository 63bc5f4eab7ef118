# SPDX-License-Identifier: GPL-3.0-or-later
"""parley.Client: one device over the C ABI. Mirrors parley::Client; holds no protocol logic."""
import atexit
import ctypes
import queue
import time
import weakref

from . import _lib
from .errors import ParleyError, check
from .types import (AckState, Address, CellDevice, CellMemberView, CellView, ChannelView, Circle, Event, EventKind,
                    GeoPoint, Grant, HistoryEntry, Incident, IncidentComment, Member, MessageRef, Notice, NoticeEntry,
                    PendingProposal, Polygon, Precedence, Proposal, Resolution, ResolutionProposal, ResolvedBy, Role,
                    Severity)

_NO_PEER = ("", 0)


def _bytes_arg(data):
    """(pointer, length) for borrowed input bytes; keeps `data` alive in the caller's frame."""
    if isinstance(data, str):
        data = data.encode()
    buf = (ctypes.c_uint8 * len(data)).from_buffer_copy(data) if data else None
    return buf, len(data)


def _read(pointer, length):
    return ctypes.string_at(pointer, length) if length else b""


def _address(c_address):
    user = c_address.user.decode() if c_address.user else ""
    return Address(user, c_address.device) if user else None


def _c_address(address):
    return _lib.Address(address.user.encode(), address.device)


def _cell(cell):
    if len(cell) != 16:
        raise ValueError("a cell id is 16 bytes")
    return _lib.CellId((ctypes.c_uint8 * 16)(*cell))


def _proposal(p):
    add = tuple(Member(_address(m.device), m.party.decode(), _read(m.identity_key, m.identity_key_len), Role(m.role))
                for m in p.add[:p.add_count]) if p.add_count else ()
    remove = tuple(_address(a) for a in p.remove[:p.remove_count]) if p.remove_count else ()
    roles = tuple((r.user.decode(), Role(r.role)) for r in p.roles[:p.role_count]) if p.role_count else ()
    return Proposal(add, remove, roles)


def _message_id(message_id):
    if len(message_id) != 16:
        raise ValueError("a message id is 16 bytes")
    return _lib.MessageId((ctypes.c_uint8 * 16)(*message_id))


def _text(pointer, length):
    return _read(pointer, length).decode("utf-8", "replace")


def _incident_id(incident):
    if len(incident) != 16:
        raise ValueError("an incident id is 16 bytes")
    return _lib.IncidentId((ctypes.c_uint8 * 16)(*incident))


def _ref(c_ref):
    return MessageRef(_address(c_ref.sender), bytes(c_ref.id.bytes))


def _point(p):
    return GeoPoint(p.lat_e7, p.lon_e7)


def _notice(n):
    if n.area.kind == 2:
        area = Polygon(tuple(_point(n.area.vertices[i]) for i in range(n.area.vertex_count)))
    else:
        area = Circle(_point(n.area.center), n.area.radius_m)
    return Notice(area, n.start_ms, n.end_ms, _text(n.description, n.description_len))


def _c_notice(notice):
    """A parley_notice for `notice`, and what must stay alive while C reads it."""
    n = _lib.Notice()
    _lib.lib.parley_notice_init(ctypes.byref(n))
    keep = []
    if isinstance(notice.area, Circle):
        n.area.kind = 1
        n.area.center = _lib.GeoPoint(notice.area.center.lat_e7, notice.area.center.lon_e7)
        n.area.radius_m = notice.area.radius_m
    elif isinstance(notice.area, Polygon):
        vertices = (_lib.GeoPoint * len(notice.area.vertices))(*[_lib.GeoPoint(v.lat_e7, v.lon_e7)
                                                                 for v in notice.area.vertices])
        keep.append(vertices)
        n.area.kind = 2
        n.area.vertices = vertices if notice.area.vertices else None
        n.area.vertex_count = len(notice.area.vertices)
    else:
        raise TypeError("a notice's area is a Circle or a Polygon")
    n.start_ms, n.end_ms = notice.start_ms, notice.end_ms
    buf, n.description_len = _bytes_arg(notice.description)
    keep.append(buf)
    n.description = ctypes.cast(buf, ctypes.POINTER(ctypes.c_uint8))
    return n, keep


def _incident(c):
    comments = tuple(IncidentComment(_ref(x.ref), x.party.decode(), x.at_ms, _text(x.text, x.text_len))
                     for x in c.comments[:c.comment_count]) if c.comment_count else ()
    proposals = tuple(ResolutionProposal(_ref(x.ref), x.party.decode(), x.at_ms, _text(x.text, x.text_len),
                                         frozenset(p.decode() for p in x.agreed[:x.agreed_count]))
                      for x in c.proposals[:c.proposal_count]) if c.proposal_count else ()
    resolution = None
    if c.resolution:
        r = c.resolution.contents
        resolution = Resolution(ResolvedBy(r.by), _ref(r.proposal.contents) if r.proposal else None,
                                _ref(r.resolved_by), r.at_ms, _text(r.text, r.text_len))
    return Incident(id=bytes(c.id.bytes), opened_by=_ref(c.opened_by), opener_party=c.opener_party.decode(),
                    respondent_party=c.respondent_party.decode(), opened_at_ms=c.opened_at_ms,
                    title=_text(c.title, c.title_len), details=_text(c.details, c.details_len),
                    severity=Severity(c.severity), location=_point(c.location) if c.has_location else None,
                    acknowledged={a.party.decode(): a.at_ms for a in c.acknowledged[:c.acknowledged_count]}
                    if c.acknowledged_count else {},
                    comments=comments, proposals=proposals, resolution=resolution)


def _digest(value):
    if len(value) != 32:
        raise ValueError("a genesis or fingerprint is 32 bytes")
    return _lib.Digest((ctypes.c_uint8 * 32)(*value))


def _grants(pointer, count):
    return tuple(Grant(g.kind, g.name.decode(), g.device) for g in pointer[:count]) if count else ()


def _cell_view(c):
    members = tuple(
        CellMemberView(m.user.decode(), m.party.decode(), Role(m.role),
                       tuple(CellDevice(_address(d.address), _read(d.identity_key, d.identity_key_len),
                                        bytes(d.identity_fingerprint.bytes)) for d in m.devices[:m.device_count])
                       if m.device_count else ())
        for m in c.members[:c.member_count]) if c.member_count else ()
    channels = tuple(
        ChannelView(ch.name.decode(), ch.display_name.decode(), ch.archived, _grants(ch.read, ch.read_count),
                    _grants(ch.post, ch.post_count), ch.ack_required, ch.ack_deadline_seconds, ch.attested,
                    ch.retention_seconds, ch.can_read, ch.can_post)
        for ch in c.channels[:c.channel_count]) if c.channel_count else ()
    pending = tuple(
        PendingProposal(bytes(p.id.bytes), _address(p.proposer), p.base_epoch, p.received_at_ms,
                        _proposal(p.changes.contents), p.summary.decode())
        for p in c.pending_proposals[:c.pending_proposal_count]) if c.pending_proposal_count else ()
    return CellView(id=bytes(c.id.bytes), name=c.name.decode(), genesis=bytes(c.genesis.bytes),
                    supervisor_fingerprint=bytes(c.supervisor_fingerprint.bytes),
                    supervisor_fingerprint_digits=c.supervisor_fingerprint_digits.decode(), epoch=c.epoch,
                    party=c.party.decode() if c.party else None, role=Role(c.role) if c.role else None,
                    supervisor_party=c.supervisor_party.decode(),
                    parties=tuple(p.decode() for p in c.parties[:c.party_count]) if c.party_count else (),
                    members=members, channels=channels, pending_proposals=pending)


def fingerprint_digits(fingerprint):
    """Six groups of five digits, for people to read aloud and compare."""
    out = ctypes.create_string_buffer(_lib.FINGERPRINT_DIGITS_MAX)
    err = _lib.Error()
    check(_lib.lib.parley_fingerprint_digits(_digest(fingerprint), out, len(out), ctypes.byref(err)), err)
    return out.value.decode()


def _event(e):
    kind = EventKind(e.kind)
    return Event(kind=kind, peer=_address(e.peer), id=bytes(e.id.bytes), cell=bytes(e.cell.bytes),
                 channel=e.channel.decode(), epoch=e.epoch, sent_at_ms=e.sent_at_ms,
                 text=_read(e.text, e.text_len).decode("utf-8", "replace"), count=e.count, joined=e.joined,
                 error_code=e.error_code, error_message=e.error_message.decode("utf-8", "replace"),
                 proof=(_read(e.applied, e.applied_len), _read(e.conflicting, e.conflicting_len))
                 if e.applied_len else (),
                 proposal_id=bytes(e.proposal_id.bytes), proposal=_proposal(e.proposal.contents) if e.proposal else None,
                 precedence=Precedence(e.precedence) if e.precedence else 0, party=e.party.decode(),
                 by=_address(e.by), deadline_ms=e.deadline_ms,
                 incident=bytes(e.incident.bytes) if kind == EventKind.INCIDENT_UPDATED else b"",
                 other=MessageRef(_address(e.other), bytes(e.other_id.bytes)) if kind == EventKind.NOTICES_CONFLICT
                 else None,
                 other_party=e.other_party.decode(), notice=_notice(e.notice.contents) if e.notice else None,
                 genesis=bytes(e.genesis.bytes) if kind == EventKind.INVITATION_RECEIVED else b"",
                 fingerprint=bytes(e.fingerprint.bytes) if kind == EventKind.INVITATION_RECEIVED else b"")


# Clients not closed yet. Their network threads call back into Python with each event; once
# the interpreter finalizes, such a call ends the thread with pthread_exit, whose unwinding
# through the C++ network thread aborts the process ("terminate called without an active
# exception"). So every client still open is closed at exit, before finalization begins
# (atexit handlers run first): a program that forgets close(), or raises, exits cleanly.
_open_clients = weakref.WeakSet()


@atexit.register
def _close_open_clients():
    for client in list(_open_clients):
        client.close()


class Client:
    """A device. Use as a context manager, or call close().

    Events are queued by the network thread; read them with events() or next_event().
    """

    def __init__(self, user, store_path, *, device=1, passphrase=None, raw_key=None, relay_port,
                 relay_host="127.0.0.1", reconnect_initial_ms=200, reconnect_max_ms=5000, initial_prekeys=100,
                 deadline_tick_ms=60000, relay_tls=False, relay_ca_file=None, relay_cert_sha256=None,
                 invite_token=None):
        """Opens the device's store (creating its identity on first use); start() connects.

        relay_tls: connect over wss:// and verify the relay's certificate against relay_ca_file
        (a PEM file; None: the system's roots) and relay_host; relay_cert_sha256 additionally
        pins the certificate (SHA-256 of its DER, 64 hex digits, colons allowed). A refused
        certificate is a DISCONNECTED event, and the client retries.
        invite_token: the token the relay's operator minted (`parley-relay admin mint-invite`),
        sent when this device registers; a refusal is a PROTOCOL_ERROR event with
        INVITE_REQUIRED or INVITE_INVALID.
        """
        self._handle = ctypes.c_void_p()
        if (passphrase is None) == (raw_key is None):
            raise ValueError("give exactly one of passphrase= or raw_key=")
        options = _lib.ClientOptions()
        _lib.lib.parley_client_options_init(ctypes.byref(options))
        options.address = _lib.Address(user.encode(), device)
        options.store_path = str(store_path).encode()
        key = passphrase.encode() if passphrase is not None else bytes(raw_key)
        key_buf, options.store_key_len = _bytes_arg(key)
        options.store_key = ctypes.cast(key_buf, ctypes.POINTER(ctypes.c_uint8))
        options.store_key_kind = 2 if passphrase is not None else 1
        options.relay_host = relay_host.encode()
        options.relay_port = relay_port
        options.reconnect_initial_ms = reconnect_initial_ms
        options.reconnect_max_ms = reconnect_max_ms
        options.initial_prekeys = initial_prekeys
        options.deadline_tick_ms = deadline_tick_ms
        options.relay_tls = bool(relay_tls)
        options.relay_ca_file = str(relay_ca_file).encode() if relay_ca_file is not None else None
        options.relay_cert_sha256 = relay_cert_sha256.encode() if relay_cert_sha256 is not None else None
        options.invite_token = invite_token.encode() if invite_token is not None else None
        self._events = queue.Queue()
        err = _lib.Error()
        status = _lib.lib.parley_client_open(ctypes.byref(options), ctypes.byref(self._handle), ctypes.byref(err))
        if key_buf is not None:
            ctypes.memset(key_buf, 0, len(key))
        check(status, err)
        # The C function pointer must outlive the client: keep it on self.
        self._callback = _lib.EVENT_FN(self._on_event)
        _open_clients.add(self)
        self._call(_lib.lib.parley_client_set_event_callback, self._callback, None)

    # -- lifecycle ---------------------------------------------------------------------------
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        """Stops the network thread and releases the device. Idempotent."""
        if self._handle:
            # ctypes releases the GIL here, so a network thread waiting for it in a callback
            # finishes and the destroy's join returns.
            _lib.lib.parley_client_destroy(self._handle)
            self._handle = ctypes.c_void_p()
            _open_clients.discard(self)

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 - at interpreter exit the module may be gone already
            pass

    def start(self):
        self._call(_lib.lib.parley_client_start)

    def stop(self):
        self._call(_lib.lib.parley_client_stop)

    @property
    def address(self):
        out = _lib.Address()
        self._call(_lib.lib.parley_client_address, ctypes.byref(out))
        return _address(out)

    @property
    def identity_key(self):
        buf = _lib.Buffer()
        self._call(_lib.lib.parley_client_identity_key, ctypes.byref(buf))
        try:
            return _read(buf.data, buf.len)
        finally:
            _lib.lib.parley_buffer_free(ctypes.byref(buf))

    # -- events ------------------------------------------------------------------------------
    def _on_event(self, event, _user):
        # Runs on the network thread; an exception here would only be printed by ctypes.
        try:
            self._events.put(_event(event.contents))
        except Exception as e:  # noqa: BLE001 - keep the network thread alive
            self._events.put(Event(kind=EventKind.PROTOCOL_ERROR, error_message=f"binding: {e!r}"))

    def next_event(self, timeout=None):
        """The next event, or None after `timeout` seconds."""
        try:
            return self._events.get(timeout=timeout)
        except queue.Empty:
            return None

    def events(self, timeout=None):
        """Iterates over events as they arrive; stops once none came for `timeout` seconds."""
        while True:
            event = self.next_event(timeout)
            if event is None:
                return
            yield event

    def wait_for(self, predicate, timeout=20.0):
        """Consumes events until one satisfies `predicate`; returns it. TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            event = self.next_event(left)
            if event is not None and predicate(event):
                return event
        raise TimeoutError(f"no matching event within {timeout} s")

    # -- messages ----------------------------------------------------------------------------
    def send_text(self, to, text):
        """Sends a direct message; returns its 16-byte id once it is durable locally."""
        buf, n = _bytes_arg(text)
        out = _lib.MessageId()
        self._call(_lib.lib.parley_client_send_text, _c_address(to), buf, n, ctypes.byref(out))
        return bytes(out.bytes)

    # -- cells -------------------------------------------------------------------------------
    def create_cell(self, members=(), *, name="IL-SY coordination", supervisor_party="US", parties=("IL", "SY")):
        """Creates a cell from the standard template with this device as supervisor; returns its id."""
        t = _lib.CellTemplate()
        _lib.lib.parley_cell_template_init(ctypes.byref(t))
        t.name, t.supervisor_party = name.encode(), supervisor_party.encode()
        t.parties[0], t.parties[1] = parties[0].encode(), parties[1].encode()
        c_members = (_lib.CellMember * len(members))()
        keep = []
        for i, m in enumerate(members):
            c_members[i], k = self._member(m)
            keep.append(k)
        t.members = c_members if members else None
        t.member_count = len(members)
        out = _lib.CellId()
        self._call(_lib.lib.parley_cell_create, ctypes.byref(t), ctypes.byref(out))
        return bytes(out.bytes)

    @staticmethod
    def _member(m):
        key, n = _bytes_arg(m.identity_key)
        member = _lib.CellMember(_c_address(m.address), m.party.encode(), int(m.role),
                                 ctypes.cast(key, ctypes.POINTER(ctypes.c_uint8)), n)
        return member, key

    def add_member(self, cell, member):
        c_member, _key = self._member(member)
        self._call(_lib.lib.parley_cell_add_member, _cell(cell), ctypes.byref(c_member))

    def remove_member(self, cell, address):
        self._call(_lib.lib.parley_cell_remove_member, _cell(cell), _c_address(address))

    def set_role(self, cell, user, role):
        self._call(_lib.lib.parley_cell_set_role, _cell(cell), user.encode(), int(role))

    def propose(self, cell, proposal):
        """Party admins: proposes membership changes of its party; returns the proposal id."""
        p = _lib.CellProposal()
        _lib.lib.parley_cell_proposal_init(ctypes.byref(p))
        adds, keep = (_lib.CellMember * len(proposal.add))(), []
        for i, m in enumerate(proposal.add):
            adds[i], k = self._member(m)
            keep.append(k)
        removes = (_lib.Address * len(proposal.remove))(*[_c_address(a) for a in proposal.remove])
        roles = (_lib.RoleChange * len(proposal.roles))(*[_lib.RoleChange(u.encode(), int(r)) for u, r in proposal.roles])
        p.add, p.add_count = (adds if proposal.add else None), len(proposal.add)
        p.remove, p.remove_count = (removes if proposal.remove else None), len(proposal.remove)
        p.roles, p.role_count = (roles if proposal.roles else None), len(proposal.roles)
        out = _lib.ProposalId()
        self._call(_lib.lib.parley_cell_propose, _cell(cell), ctypes.byref(p), ctypes.byref(out))
        return bytes(out.bytes)

    def accept_proposal(self, cell, proposal_id):
        """Supervisors: commits a received proposal."""
        self._call(_lib.lib.parley_cell_accept_proposal, _cell(cell), _lib.ProposalId((ctypes.c_uint8 * 16)(*proposal_id)))

    def reject_proposal(self, cell, proposal_id):
        self._call(_lib.lib.parley_cell_reject_proposal, _cell(cell), _lib.ProposalId((ctypes.c_uint8 * 16)(*proposal_id)))

    # -- joining (docs/protocol.md "Joining") ------------------------------------------------
    def add_join_anchor(self, anchor):
        """Joins Welcomes that match `anchor` ("parley-cell:<hex>" or "parley-supervisor:<hex>",
        given out of band), including invitations already waiting. Other Welcomes only raise
        INVITATION_RECEIVED."""
        self._call(_lib.lib.parley_client_add_join_anchor, anchor.encode())

    def supervisor_anchor(self):
        """This device's anchor, for members of the cells it will create."""
        out = ctypes.create_string_buffer(_lib.JOIN_ANCHOR_MAX)
        self._call(_lib.lib.parley_client_supervisor_anchor, out, len(out))
        return out.value.decode()

    def join_anchor(self, cell):
        """The anchor of one cell this device is in (its genesis)."""
        out = ctypes.create_string_buffer(_lib.JOIN_ANCHOR_MAX)
        self._call(_lib.lib.parley_cell_join_anchor, _cell(cell), out, len(out))
        return out.value.decode()

    def accept_invitation(self, genesis):
        """Joins the cell of an INVITATION_RECEIVED event (its `genesis`)."""
        self._call(_lib.lib.parley_client_accept_invitation, _digest(genesis))

    def decline_invitation(self, genesis):
        self._call(_lib.lib.parley_client_decline_invitation, _digest(genesis))

    def cells(self):
        """Ids of the cells this device is (or was) a member of."""
        handle = ctypes.c_void_p()
        self._call(_lib.lib.parley_client_list_cells, ctypes.byref(handle))
        try:
            n = _lib.lib.parley_cell_list_count(handle)
            return [bytes(_lib.lib.parley_cell_list_at(handle, i).contents.bytes) for i in range(n)]
        finally:
            _lib.lib.parley_cell_list_free(handle)

    def cell(self, cell):
        """A CellView of one cell as this device's charter says now: name, genesis, supervisor fingerprint,
        members, channels with this device's READ/POST, and (on supervisor devices) pending proposals.

        CELL_UNKNOWN if this device is not (and was not) in the cell."""
        handle = ctypes.c_void_p()
        self._call(_lib.lib.parley_client_cell_view, _cell(cell), ctypes.byref(handle))
        try:
            return _cell_view(_lib.lib.parley_cell_view_info(handle).contents)
        finally:
            _lib.lib.parley_cell_view_free(handle)

    def cell_views(self):
        """A CellView of every cell of cells(), in that order."""
        return [self.cell(c) for c in self.cells()]

    # -- channels ----------------------------------------------------------------------------
    def create_channel(self, cell, channel, display_name):
        self._call(_lib.lib.parley_channel_create, _cell(cell), channel.encode(), display_name.encode())

    def archive_channel(self, cell, channel):
        self._call(_lib.lib.parley_channel_archive, _cell(cell), channel.encode())

    def rename_channel(self, cell, channel, display_name):
        """A new display name for an existing channel (supervisor devices only)."""
        self._call(_lib.lib.parley_channel_rename, _cell(cell), channel.encode(), display_name.encode())

    def set_channel_policy(self, cell, channel, *, read, post, ack_required=False, ack_deadline_seconds=0,
                           attested=False, retention_seconds=0):
        p = _lib.ChannelPolicy()
        _lib.lib.parley_channel_policy_init(ctypes.byref(p))
        c_read = (_lib.Grant * len(read))(*[_lib.Grant(g.kind, g.name.encode(), g.device) for g in read])
        c_post = (_lib.Grant * len(post))(*[_lib.Grant(g.kind, g.name.encode(), g.device) for g in post])
        p.read, p.read_count = (c_read if read else None), len(read)
        p.post, p.post_count = (c_post if post else None), len(post)
        p.ack_required, p.ack_deadline_seconds = ack_required, ack_deadline_seconds
        p.attested, p.retention_seconds = attested, retention_seconds
        self._call(_lib.lib.parley_channel_set_policy, _cell(cell), channel.encode(), ctypes.byref(p))

    def post(self, cell, channel, text, precedence=Precedence.ROUTINE):
        """Posts on a channel; returns the message id once it is durable locally."""
        buf, n = _bytes_arg(text)
        out = _lib.MessageId()
        self._call(_lib.lib.parley_channel_post_with_precedence, _cell(cell), channel.encode(), buf, n, int(precedence),
                   ctypes.byref(out))
        return bytes(out.bytes)

    def acknowledge(self, cell, channel, sender, message_id):
        """Acknowledges (sender, id) for this device's party; returns the acknowledgement's id."""
        out = _lib.MessageId()
        self._call(_lib.lib.parley_channel_acknowledge, _cell(cell), channel.encode(), _c_address(sender),
                   _message_id(message_id), ctypes.byref(out))
        return bytes(out.bytes)

    def export_transcript(self, cell, channel, from_ms=0, to_ms=0):
        """An attested channel's posts and charter as bytes that parley-verify checks offline."""
        buf = _lib.Buffer()
        self._call(_lib.lib.parley_channel_export_transcript, _cell(cell), channel.encode(), from_ms, to_ms,
                   ctypes.byref(buf))
        try:
            return _read(buf.data, buf.len)
        finally:
            _lib.lib.parley_buffer_free(ctypes.byref(buf))

    def ack_status(self, cell, channel, sender, message_id):
        """{party: AckState} for each party required to acknowledge; empty if not tracked."""
        handle = ctypes.c_void_p()
        self._call(_lib.lib.parley_channel_ack_status, _cell(cell), channel.encode(), _c_address(sender),
                   _message_id(message_id), ctypes.byref(handle))
        try:
            return {(a := _lib.lib.parley_ack_status_at(handle, i).contents).party.decode(): AckState(a.state)
                    for i in range(_lib.lib.parley_ack_status_count(handle))}
        finally:
            _lib.lib.parley_ack_status_free(handle)

    def history(self, cell, channel):
        """An iterator over the channel's accepted messages in the order this device saw them.

        The history is read (and the library's copy wiped and freed) when this is called."""
        handle = ctypes.c_void_p()
        self._call(_lib.lib.parley_channel_history, _cell(cell), channel.encode(), ctypes.byref(handle))
        entries = []
        try:
            for i in range(_lib.lib.parley_history_count(handle)):
                e = _lib.lib.parley_history_at(handle, i).contents
                entries.append(HistoryEntry(channel=e.channel.decode(), sender=_address(e.sender), id=bytes(e.id.bytes),
                                            epoch=e.epoch, sent_at_ms=e.sent_at_ms, received_at_ms=e.received_at_ms,
                                            text=_read(e.text, e.text_len).decode("utf-8", "replace"),
                                            precedence=Precedence(e.precedence)))
        finally:
            _lib.lib.parley_history_free(handle)
        return iter(entries)

    # -- incidents (docs/hotline.md) ---------------------------------------------------------
    def open_incident(self, cell, channel, title, respondent_party, *, details="", severity=Severity.MEDIUM,
                      location=None, precedence=Precedence.ROUTINE):
        """Opens an incident between this device's party and `respondent_party`; returns its 16-byte id.

        `location` is a GeoPoint or None. What every receiver would ignore raises ParleyError
        (INVALID_ARGUMENT, CELL_PERMISSION_DENIED)."""
        n = _lib.NewIncident()
        _lib.lib.parley_new_incident_init(ctypes.byref(n))
        title_buf, n.title_len = _bytes_arg(title)
        details_buf, n.details_len = _bytes_arg(details)
        n.title = ctypes.cast(title_buf, ctypes.POINTER(ctypes.c_uint8))
        n.details = ctypes.cast(details_buf, ctypes.POINTER(ctypes.c_uint8))
        n.severity = int(severity)
        n.respondent_party = respondent_party.encode()
        if location is not None:
            n.has_location = True
            n.location = _lib.GeoPoint(location.lat_e7, location.lon_e7)
        out = _lib.IncidentId()
        self._call(_lib.lib.parley_incident_open, _cell(cell), channel.encode(), ctypes.byref(n), int(precedence),
                   ctypes.byref(out))
        return bytes(out.bytes)

    def acknowledge_incident(self, cell, channel, incident):
        """The respondent party (or the supervisor) has seen the incident; returns the operation's message id."""
        out = _lib.MessageId()
        self._call(_lib.lib.parley_incident_acknowledge, _cell(cell), channel.encode(), _incident_id(incident),
                   ctypes.byref(out))
        return bytes(out.bytes)

    def comment_incident(self, cell, channel, incident, text):
        buf, n = _bytes_arg(text)
        out = _lib.MessageId()
        self._call(_lib.lib.parley_incident_comment, _cell(cell), channel.encode(), _incident_id(incident), buf, n,
                   ctypes.byref(out))
        return bytes(out.bytes)

    def propose_resolution(self, cell, channel, incident, text):
        """Proposes a resolution; returns its message id (MessageRef(self.address, id) names it)."""
        buf, n = _bytes_arg(text)
        out = _lib.MessageId()
        self._call(_lib.lib.parley_incident_propose, _cell(cell), channel.encode(), _incident_id(incident), buf, n,
                   ctypes.byref(out))
        return bytes(out.bytes)

    def resolve_incident(self, cell, channel, incident, proposal=None, text=""):
        """An involved party agrees to `proposal` (a MessageRef); the supervisor resolves with or without one."""
        ref = None
        if proposal is not None:
            ref = ctypes.byref(_lib.MessageRef(_c_address(proposal.sender), _message_id(proposal.id)))
        buf, n = _bytes_arg(text)
        out = _lib.MessageId()
        self._call(_lib.lib.parley_incident_resolve, _cell(cell), channel.encode(), _incident_id(incident), ref, buf, n,
                   ctypes.byref(out))
        return bytes(out.bytes)

    def incidents(self, cell, channel):
        """Every incident of the channel as this device computes it, in the order they were opened."""
        handle = ctypes.c_void_p()
        self._call(_lib.lib.parley_channel_incidents, _cell(cell), channel.encode(), ctypes.byref(handle))
        try:
            return [_incident(_lib.lib.parley_incident_list_at(handle, i).contents)
                    for i in range(_lib.lib.parley_incident_list_count(handle))]
        finally:
            _lib.lib.parley_incident_list_free(handle)

    # -- deconfliction notices ---------------------------------------------------------------
    def post_notice(self, cell, channel, notice, precedence=Precedence.ROUTINE):
        """Posts a Notice on an ack_required channel; returns its message id.

        HOTLINE_INVALID_AREA for an area or window the rules refuse."""
        c_notice, _keep = _c_notice(notice)
        out = _lib.MessageId()
        self._call(_lib.lib.parley_channel_post_notice, _cell(cell), channel.encode(), ctypes.byref(c_notice),
                   int(precedence), ctypes.byref(out))
        return bytes(out.bytes)

    def notices(self, cell, channel):
        """The channel's notices (own included) by sending time, each with the notices it conflicts with."""
        handle = ctypes.c_void_p()
        self._call(_lib.lib.parley_channel_notices, _cell(cell), channel.encode(), ctypes.byref(handle))
        try:
            out = []
            for i in range(_lib.lib.parley_notice_list_count(handle)):
                e = _lib.lib.parley_notice_list_at(handle, i).contents
                out.append(NoticeEntry(_ref(e.ref), e.party.decode(), e.sent_at_ms, _notice(e.notice.contents),
                                       tuple(_ref(c) for c in e.conflicts[:e.conflict_count])
                                       if e.conflict_count else ()))
            return out
        finally:
            _lib.lib.parley_notice_list_free(handle)

    # -- plumbing ----------------------------------------------------------------------------
    def _call(self, fn, *args):
        if not self._handle:
            raise ParleyError(89, "the client is closed")  # PARLEY_E_CLOSED
        err = _lib.Error()
        check(fn(self._handle, *args, ctypes.byref(err)), err)
