# SPDX-License-Identifier: GPL-3.0-or-later
"""The binding declares every function of parley.h, so the two cannot drift apart silently."""
import re
from pathlib import Path

from parley import _lib

HEADER = Path(__file__).resolve().parents[2] / "c" / "include" / "parley.h"


def test_every_header_function_is_declared():
    text = HEADER.read_text()
    declared = set(re.findall(r"PARLEY_API[^;]*?\b(parley_[a-z0-9_]+)\s*\(", text, flags=re.S))
    assert len(declared) >= 30
    assert declared == set(_lib.SIGNATURES)


def test_struct_sizes_match_the_library():
    import ctypes
    for init, struct in (("parley_client_options_init", _lib.ClientOptions),
                         ("parley_cell_template_init", _lib.CellTemplate),
                         ("parley_channel_policy_init", _lib.ChannelPolicy),
                         ("parley_new_incident_init", _lib.NewIncident),
                         ("parley_notice_init", _lib.Notice)):
        value = struct()
        getattr(_lib.lib, init)(ctypes.byref(value))
        assert value.struct_size == ctypes.sizeof(struct), init
