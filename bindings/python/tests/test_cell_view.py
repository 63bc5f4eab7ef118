# SPDX-License-Identifier: GPL-3.0-or-later
"""Client.cell / Client.cell_views: the SDK's view of a cell, as the supervisor, a member, a read-only
member and a removed member see it."""
import pytest

import parley
from parley import ErrorCode, EventKind, Grant, Member, ParleyError, Role
from conftest import anchored, connected


def epoch_at_least(n):
    return lambda e: e.kind == EventKind.CHARTER_CHANGED and e.epoch >= n


def test_cell_view(device):
    us, il, sy, trade = (connected(device(u)) for u in ("us_sup", "il_officer", "sy_officer", "il_trade"))
    anchored(us, il, sy, trade)
    cell = us.create_cell([Member(il.address, "IL", il.identity_key), Member(sy.address, "SY", sy.identity_key),
                           Member(trade.address, "IL", trade.identity_key)])
    # intel: the delegate neither reads nor posts; the SY officer reads but may not post.
    us.set_channel_policy(cell, "intel", read=[Grant.party("US"), Grant.party("SY"), Grant.user("il_officer")],
                          post=[Grant.party("IL")])
    for member in (il, sy, trade):
        member.wait_for(epoch_at_least(2))

    view = us.cell(cell)
    assert view.id == cell and view.name == "IL-SY coordination" and view.epoch == 2
    assert (view.party, view.role, view.supervisor_party) == ("US", Role.SUPERVISOR, "US")
    assert view.parties == ("IL", "SY", "US")
    assert [m.user for m in view.members] == ["il_officer", "il_trade", "sy_officer", "us_sup"]
    officer = view.members[0]
    assert officer.party == "IL" and officer.role == Role.MEMBER
    assert officer.devices[0].address == il.address and officer.devices[0].identity_key == il.identity_key
    # The genesis is the join token; the fingerprint is the supervisor's anchor, digits included.
    assert view.genesis.hex() == us.join_anchor(cell).split(":", 1)[1]
    assert view.supervisor_fingerprint.hex() == us.supervisor_anchor().split(":", 1)[1]
    assert view.supervisor_fingerprint_digits == parley.fingerprint_digits(view.supervisor_fingerprint)
    assert sorted(c.name for c in view.channels) == ["commercial", "deescalation", "diplomatic", "intel"]
    assert view.channel("intel").can_read and not view.channel("intel").can_post
    assert view.channel("intel").post == (Grant.party("IL"),)
    assert view.pending_proposals == ()
    assert us.cell_views() == [view]

    seen = sy.cell(cell)
    assert (seen.party, seen.role) == ("SY", Role.MEMBER)
    assert seen.genesis == view.genesis and seen.supervisor_fingerprint == view.supervisor_fingerprint
    assert seen.channel("intel").can_read and not seen.channel("intel").can_post
    assert seen.channel("commercial").can_read and seen.channel("commercial").can_post
    delegate = trade.cell(cell)
    assert not delegate.channel("intel").can_read and not delegate.channel("intel").can_post

    # A party admin's proposal shows on the supervisor until it decides.
    us.set_role(cell, "il_officer", Role.PARTY_ADMIN)
    il.wait_for(epoch_at_least(3))
    pid = il.propose(cell, parley.Proposal(remove=(trade.address,)))
    us.wait_for(lambda e: e.kind == EventKind.PROPOSAL_RECEIVED)
    pending = us.cell(cell).pending_proposals
    assert len(pending) == 1
    assert pending[0].id == pid and pending[0].proposer == il.address and pending[0].base_epoch == 3
    assert pending[0].summary == "remove IL il_trade.1" and pending[0].changes.remove == (trade.address,)
    assert il.cell(cell).pending_proposals == ()
    us.accept_proposal(cell, pid)

    # The removed delegate keeps a view of the cell, without party, role or rights.
    trade.wait_for(epoch_at_least(4))
    gone = trade.cell(cell)
    assert gone.epoch == 4 and gone.party is None and gone.role is None
    assert not any(c.can_read or c.can_post for c in gone.channels)
    assert "il_trade" not in [m.user for m in us.cell(cell).members]
    assert us.cell(cell).pending_proposals == ()

    # A rename reaches the members' views; the channel id stays.
    us.rename_channel(cell, "intel", "Intelligence sharing")
    sy.wait_for(epoch_at_least(5))
    assert sy.cell(cell).channel("intel").display_name == "Intelligence sharing"
    with pytest.raises(ParleyError) as e:
        us.rename_channel(cell, "no-such-channel", "Nothing")
    assert e.value.code == ErrorCode.CHARTER_INVALID_OPERATION
    with pytest.raises(ParleyError) as e:
        sy.rename_channel(cell, "intel", "Mine now")
    assert e.value.code == ErrorCode.CHARTER_NOT_AUTHORIZED

    with pytest.raises(ParleyError) as e:
        us.cell(bytes(16))
    assert e.value.code == ErrorCode.CELL_UNKNOWN
