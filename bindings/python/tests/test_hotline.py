# SPDX-License-Identifier: GPL-3.0-or-later
"""Incidents and deconfliction notices through the Python binding and the real relay."""
import pytest

import parley
from parley import (Circle, ErrorCode, EventKind, GeoPoint, Grant, Member, MessageRef, Notice, ParleyError, Polygon,
                    Precedence, ResolvedBy, Severity)
from conftest import anchored, connected

CHANNEL = "deescalation"
HOUR = 3_600_000
START = 1_893_456_000_000  # 2030-01-01


def hotline_cell(device):
    """US supervises IL and SY; everyone reads and posts on CHANNEL, which needs acknowledgements."""
    us, il, sy = (connected(device(u)) for u in ("us_sup", "il_officer", "sy_officer"))
    anchored(us, il, sy)
    cell = us.create_cell([Member(il.address, "IL", il.identity_key), Member(sy.address, "SY", sy.identity_key)])
    everyone = [Grant.party(p) for p in ("US", "IL", "SY")]
    us.set_channel_policy(cell, CHANNEL, read=everyone, post=everyone, ack_required=True, ack_deadline_seconds=1800)
    for member in (il, sy):
        member.wait_for(lambda e: e.kind == EventKind.CHARTER_CHANGED and e.epoch >= 2)
    return us, il, sy, cell


def operation(message_id):
    return lambda e: e.kind == EventKind.INCIDENT_UPDATED and e.id == message_id


def test_incident_open_propose_resolve(device):
    us, il, sy, cell = hotline_cell(device)
    where = GeoPoint.degrees(33.1234567, 35.54321)
    incident = il.open_incident(cell, CHANNEL, "Drone crossed the line at grid 41", "SY", details="Seen at 0412",
                                severity=Severity.HIGH, location=where, precedence=Precedence.IMMEDIATE)
    opened = sy.wait_for(lambda e: e.kind == EventKind.INCIDENT_UPDATED)
    assert (opened.incident, opened.peer, opened.channel, opened.cell) == (incident, il.address, CHANNEL, cell)

    with pytest.raises(ParleyError) as e:
        il.acknowledge_incident(cell, CHANNEL, incident)  # its own incident
    assert e.value.code == ErrorCode.CELL_PERMISSION_DENIED
    with pytest.raises(ParleyError) as e:
        sy.resolve_incident(cell, CHANNEL, incident, text="done")  # a side must name a proposal
    assert e.value.code == ErrorCode.INVALID_ARGUMENT

    sy.acknowledge_incident(cell, CHANNEL, incident)
    proposal_id = sy.propose_resolution(cell, CHANNEL, incident, "Joint inspection on Monday")
    il.wait_for(operation(proposal_id))
    [pending] = il.incidents(cell, CHANNEL)
    assert not pending.resolved and set(pending.acknowledged) == {"SY"}
    [proposal] = pending.proposals
    assert proposal.ref == MessageRef(sy.address, proposal_id) and proposal.agreed == {"SY"}

    resolved_id = il.resolve_incident(cell, CHANNEL, incident, proposal.ref, "Agreed")
    for d in (us, sy):
        d.wait_for(operation(resolved_id))
    views = [d.incidents(cell, CHANNEL) for d in (us, il, sy)]
    assert views[0] == views[1] == views[2]
    [got] = views[0]
    assert (got.id, got.title, got.details, got.severity, got.location) == (
        incident, "Drone crossed the line at grid 41", "Seen at 0412", Severity.HIGH, where)
    assert (got.opener_party, got.respondent_party, got.opened_by.sender) == ("IL", "SY", il.address)
    assert got.resolved and got.resolution.by == ResolvedBy.AGREEMENT
    assert got.resolution.proposal == proposal.ref and got.resolution.text == "Agreed"
    assert got.resolution.resolved_by == MessageRef(il.address, resolved_id)
    assert got.proposals[0].agreed == {"IL", "SY"}

    with pytest.raises(ParleyError) as e:
        sy.propose_resolution(cell, CHANNEL, incident, "too late")
    assert e.value.code == ErrorCode.INVALID_ARGUMENT and "already resolved" in e.value.message
    comment_id = us.comment_incident(cell, CHANNEL, incident, "Noted by the mediator")
    sy.wait_for(operation(comment_id))
    [after] = sy.incidents(cell, CHANNEL)
    assert [(c.party, c.text) for c in after.comments] == [("US", "Noted by the mediator")]


def test_conflicting_notices(device):
    us, il, sy, cell = hotline_cell(device)
    circle = Notice(Circle(GeoPoint.degrees(33.0, 35.5), 5_000), START, START + 2 * HOUR, "IL live-fire exercise")
    il_id = il.post_notice(cell, CHANNEL, circle, Precedence.PRIORITY)
    got = sy.wait_for(lambda e: e.kind == EventKind.NOTICE_RECEIVED)
    assert (got.id, got.peer, got.party, got.precedence) == (il_id, il.address, "IL", Precedence.PRIORITY)
    assert got.notice == circle and got.text == "IL live-fire exercise"

    square = Polygon(tuple(GeoPoint.degrees(lat, lon) for lat, lon in
                           ((32.95, 35.45), (32.95, 35.55), (33.05, 35.55), (33.05, 35.45))))
    patrol = Notice(square, START + HOUR, START + 3 * HOUR, "SY patrol")
    sy_id = sy.post_notice(cell, CHANNEL, patrol)
    il_ref, sy_ref = MessageRef(il.address, il_id), MessageRef(sy.address, sy_id)
    for d in (us, il, sy):
        conflict = d.wait_for(lambda e: e.kind == EventKind.NOTICES_CONFLICT)
        first, second = sorted([il_ref, sy_ref])
        assert (MessageRef(conflict.peer, conflict.id), conflict.other) == (first, second)
        assert (conflict.party, conflict.other_party) == (("IL", "SY") if first == il_ref else ("SY", "IL"))
    for d in (us, il, sy):
        listed = {n.ref: n for n in d.notices(cell, CHANNEL)}
        assert set(listed) == {il_ref, sy_ref}
        assert listed[il_ref].notice == circle and listed[il_ref].conflicts == (sy_ref,)
        assert listed[sy_ref].notice == patrol and listed[sy_ref].conflicts == (il_ref,)
        assert listed[sy_ref].party == "SY"

    # The notice awaits SY's acknowledgement like any message of the channel.
    assert il.ack_status(cell, CHANNEL, il.address, il_id) == {"SY": parley.AckState.PENDING}
    with pytest.raises(ParleyError) as e:
        il.post_notice(cell, CHANNEL, Notice(Circle(GeoPoint.degrees(33.0, 35.5), 0), START, START + HOUR))
    assert e.value.code == ErrorCode.HOTLINE_INVALID_AREA
    with pytest.raises(ParleyError) as e:
        il.post_notice(cell, "intel", circle)  # no acknowledgements there
    assert e.value.code == ErrorCode.INVALID_ARGUMENT
