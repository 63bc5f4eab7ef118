# SPDX-License-Identifier: GPL-3.0-or-later
"""Failures surface as ParleyError with the table's code and a message; nothing crashes."""
import pytest

import parley
from parley import ErrorCode, ParleyError


def open_client(tmp_path, user="alice", **kw):
    kw.setdefault("passphrase", "pw")
    return parley.Client(user, tmp_path / f"{user}.db", relay_port=9, **kw)


def test_error_codes_come_from_the_library():
    assert ErrorCode.STORE_WRONG_KEY == 20
    assert ErrorCode.CELL_PERMISSION_DENIED == 111
    assert ErrorCode.OK == 0
    assert len(ErrorCode) >= 45  # the table only grows
    assert parley.__version__ == "0.1.0"


def test_wrong_store_key(tmp_path):
    with open_client(tmp_path, passphrase="right") as c:
        key = c.identity_key
        assert len(key) == 33
    with pytest.raises(ParleyError) as e:
        open_client(tmp_path, passphrase="staple-horse-9")
    assert e.value.code == ErrorCode.STORE_WRONG_KEY and e.value.name == "store_wrong_key"
    assert "staple-horse-9" not in e.value.message  # never key material in messages
    with pytest.raises(ParleyError) as e:
        open_client(tmp_path, passphrase=None, raw_key=bytes(32))
    assert e.value.code == ErrorCode.STORE_WRONG_KEY
    with open_client(tmp_path, passphrase="right") as c:
        assert c.identity_key == key


def test_bad_arguments(tmp_path):
    with pytest.raises(ParleyError) as e:
        open_client(tmp_path, user="not valid")
    assert e.value.code == ErrorCode.INVALID_ARGUMENT
    with pytest.raises(ParleyError) as e:
        open_client(tmp_path, passphrase=None, raw_key=b"short")
    assert "32 bytes" in e.value.message
    with pytest.raises(ValueError):
        parley.Client("a", tmp_path / "a.db", relay_port=9)  # no key at all
    with open_client(tmp_path) as c:
        with pytest.raises(ParleyError) as e:
            c.send_text(parley.Address("bad name"), "x")
        assert e.value.code == ErrorCode.INVALID_ARGUMENT
        c.start()
        with pytest.raises(ParleyError, match="already started"):
            c.start()
        c.stop()


def test_unknown_cell_and_closed_client(tmp_path):
    c = open_client(tmp_path)
    cell = bytes(range(16))
    assert list(c.history(cell, "intel")) == []  # a query: nothing stored, not an error
    for call in (lambda: c.post(cell, "intel", "x"), lambda: c.create_channel(cell, "ops", "Ops"), lambda: c.remove_member(cell, parley.Address("b"))):
        with pytest.raises(ParleyError) as e:
            call()
        assert e.value.code == ErrorCode.CELL_UNKNOWN
    assert c.cells() == []
    c.close()
    c.close()
    with pytest.raises(ParleyError) as e:
        c.post(cell, "intel", "x")
    assert e.value.code == ErrorCode.CLOSED


def test_local_cell_history(tmp_path):
    with open_client(tmp_path, user="il_local") as member:  # a reader besides the supervisor
        il = parley.Member(member.address, "IL", member.identity_key)
    with open_client(tmp_path, user="sup") as c:
        cell = c.create_cell([il])
        assert c.cells() == [cell]
        with pytest.raises(ParleyError) as e:
            c.post(cell, "intel", "supervisors do not post by default")
        assert e.value.code == ErrorCode.CELL_PERMISSION_DENIED
        c.create_channel(cell, "ops", "Operations")
        c.set_channel_policy(cell, "ops", read=[parley.Grant.party("US"), parley.Grant.party("IL")],
                             post=[parley.Grant.of_device(parley.Address("sup"))])
        ids = [c.post(cell, "ops", f"report {i}", parley.Precedence(i + 1)) for i in range(3)]
        entries = list(c.history(cell, "ops"))
        assert [e.text for e in entries] == ["report 0", "report 1", "report 2"]
        assert [e.precedence for e in entries] == [parley.Precedence.ROUTINE, parley.Precedence.PRIORITY,
                                                   parley.Precedence.IMMEDIATE]
        assert [e.id for e in entries] == ids
        assert all(e.sender == parley.Address("sup") and e.channel == "ops" for e in entries)
