# SPDX-License-Identifier: GPL-3.0-or-later
"""A full cell conversation through the Python binding and the real relay."""
import time

import pytest

import parley
from parley import ErrorCode, EventKind, Grant, Member, ParleyError
from conftest import anchored, connected


def text_event(channel, text):
    return lambda e: e.kind == EventKind.CHANNEL_MESSAGE_RECEIVED and e.channel == channel and e.text == text


def epoch_at_least(n):
    return lambda e: e.kind == EventKind.CHARTER_CHANGED and e.epoch >= n


def test_direct_message(device):
    alice, bob = connected(device("alice")), connected(device("bob"))
    sent_id = alice.send_text(bob.address, "hello from python")
    got = bob.wait_for(lambda e: e.kind == EventKind.MESSAGE_RECEIVED)
    assert (got.text, got.peer, got.id) == ("hello from python", alice.address, sent_id)
    ack = alice.wait_for(lambda e: e.kind == EventKind.MESSAGE_SENT)
    assert ack.id == sent_id and ack.peer == bob.address


def test_flash_acknowledged(device):
    us, il, sy = (connected(device(u)) for u in ("us_sup", "il_officer", "sy_officer"))
    anchored(us, il, sy)
    cell = us.create_cell([Member(il.address, "IL", il.identity_key), Member(sy.address, "SY", sy.identity_key)])
    us.set_channel_policy(cell, "deescalation", read=[Grant.party(p) for p in ("US", "IL", "SY")],
                          post=[Grant.party("IL"), Grant.party("SY")], ack_required=True, ack_deadline_seconds=1800,
                          attested=True)
    for member in (il, sy):
        member.wait_for(epoch_at_least(2))
    msg = il.post(cell, "deescalation", "FLASH: unplanned launch detected", parley.Precedence.FLASH)
    got = sy.wait_for(text_event("deescalation", "FLASH: unplanned launch detected"))
    assert got.precedence == parley.Precedence.FLASH
    assert il.ack_status(cell, "deescalation", il.address, msg) == {"SY": parley.AckState.PENDING}
    sy.acknowledge(cell, "deescalation", il.address, msg)
    ack = il.wait_for(lambda e: e.kind == EventKind.ACKNOWLEDGEMENT_RECEIVED)
    assert (ack.id, ack.party, ack.by) == (msg, "SY", sy.address)
    assert il.ack_status(cell, "deescalation", il.address, msg) == {"SY": parley.AckState.ACKNOWLEDGED}
    us.wait_for(lambda e: e.kind == EventKind.ACKNOWLEDGEMENT_RECEIVED)
    transcript = us.export_transcript(cell, "deescalation")
    report = parley.verify_transcript(transcript)
    assert report.all_valid and report.channel == "deescalation" and report.cell == cell
    flash = next(m for m in report.messages if m.ref == parley.MessageRef(il.address, msg))
    assert (flash.verdict, flash.reason, flash.precedence) == ("valid", "none", parley.Precedence.FLASH)
    assert [(a.party, a.device) for a in flash.acks] == [("SY", sy.address)]
    assert parley.verify_transcript(transcript, expected_genesis=report.genesis).all_valid
    with pytest.raises(ParleyError) as e:
        parley.verify_transcript(transcript, expected_genesis=bytes(32))
    assert e.value.code == ErrorCode.HOTLINE_TRANSCRIPT_INVALID
    with pytest.raises(ParleyError) as e:
        parley.verify_transcript(b"not a transcript")
    assert e.value.code in (ErrorCode.MALFORMED_FRAME, ErrorCode.TRUNCATED)
    with pytest.raises(ParleyError) as e:
        us.export_transcript(cell, "intel")
    assert e.value.code == ErrorCode.HOTLINE_NOT_ATTESTED


def test_cell_conversation(device):
    us, il, sy, trade = (connected(device(u)) for u in ("us_sup", "il_officer", "sy_officer", "il_trade"))
    anchored(us, il, sy, trade)
    cell = us.create_cell([Member(il.address, "IL", il.identity_key), Member(sy.address, "SY", sy.identity_key),
                           Member(trade.address, "IL", trade.identity_key)])
    us.set_channel_policy(cell, "intel", read=[Grant.party("US"), Grant.party("SY"), Grant.user("il_officer")],
                          post=[Grant.party("IL"), Grant.party("SY")])
    for member in (il, sy, trade):
        joined = member.wait_for(lambda e: e.kind == EventKind.CHARTER_CHANGED)
        assert joined.joined and joined.cell == cell
        member.wait_for(epoch_at_least(2))
    assert sy.cells() == [cell]

    msg_id = il.post(cell, "intel", "convoy moves at 0400")
    trade.post(cell, "commercial", "tender opens monday")
    with pytest.raises(ParleyError) as e:
        trade.post(cell, "intel", "let me in")
    assert e.value.code == ErrorCode.CELL_PERMISSION_DENIED

    got = sy.wait_for(text_event("intel", "convoy moves at 0400"))
    assert got.peer == il.address and got.id == msg_id and got.epoch == 2 and got.cell == cell
    us.wait_for(text_event("intel", "convoy moves at 0400"))
    il.wait_for(text_event("commercial", "tender opens monday"))

    # The delegate leaves; what follows is not readable by it.
    us.remove_member(cell, trade.address)
    il.wait_for(epoch_at_least(3))
    il.post(cell, "commercial", "after the delegate left")
    sy.wait_for(text_event("commercial", "after the delegate left"))
    time.sleep(0.3)
    assert not [e for e in trade.events(timeout=0.2) if e.kind == EventKind.CHANNEL_MESSAGE_RECEIVED]

    history = sy.history(cell, "intel")
    first = next(history)
    assert (first.sender, first.text, first.id) == (il.address, "convoy moves at 0400", msg_id)
    assert next(history, None) is None
    assert [h.text for h in il.history(cell, "commercial")] == ["tender opens monday", "after the delegate left"]

    # A party admin's proposal reaches the supervisor, who accepts it.
    us.set_role(cell, "sy_officer", parley.Role.PARTY_ADMIN)
    sy.wait_for(epoch_at_least(4))
    with pytest.raises(ParleyError) as e:
        il.propose(cell, parley.Proposal(roles=(("il_officer", parley.Role.OBSERVER),)))
    assert e.value.code == ErrorCode.CHARTER_NOT_AUTHORIZED
    pid = sy.propose(cell, parley.Proposal(remove=(sy.address,)))
    got = us.wait_for(lambda e: e.kind == EventKind.PROPOSAL_RECEIVED)
    assert got.proposal_id == pid and got.peer == sy.address and got.proposal.remove == (sy.address,)
    us.reject_proposal(cell, pid)
    with pytest.raises(ParleyError) as e:
        us.accept_proposal(cell, pid)
    assert e.value.code == ErrorCode.STORE_NOT_FOUND


def test_unanchored_welcome_is_an_invitation_until_accepted(device):
    un, il = connected(device("un_sup")), connected(device("il_officer"))
    cell = un.create_cell([Member(il.address, "IL", il.identity_key)])
    invited = il.wait_for(lambda e: e.kind == EventKind.INVITATION_RECEIVED)
    assert invited.cell == cell and invited.peer == un.address
    assert cell not in il.cells()
    supervisor_fingerprint = un.supervisor_anchor().split(":", 1)[1]
    assert invited.fingerprint.hex() == supervisor_fingerprint
    assert len(parley.fingerprint_digits(invited.fingerprint).split()) == 6
    with pytest.raises(ParleyError) as bad:
        il.add_join_anchor("not an anchor")
    assert bad.value.code == ErrorCode.INVALID_ARGUMENT
    il.accept_invitation(invited.genesis)
    il.wait_for(lambda e: e.kind == EventKind.CHARTER_CHANGED and e.joined and e.cell == cell)
    assert cell in il.cells()
    assert il.join_anchor(cell) == un.join_anchor(cell)
    with pytest.raises(ParleyError) as gone:
        il.accept_invitation(invited.genesis)
    assert gone.value.code == ErrorCode.STORE_NOT_FOUND
