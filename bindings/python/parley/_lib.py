# SPDX-License-Identifier: GPL-3.0-or-later
"""ctypes declarations of parley.h: the one place where the C ABI is described in Python.

Every function of parley.h is declared here (tests/test_header_coverage.py checks it), with the
same struct layouts. No logic lives in this module.
"""
import ctypes
import ctypes.util
import os
from ctypes import (CFUNCTYPE, POINTER, Structure, c_bool, c_char, c_char_p, c_int, c_int64, c_size_t,
                    c_uint8, c_uint16, c_uint32, c_uint64, c_void_p)

ERROR_MESSAGE_MAX = 512


def _load():
    """PARLEY_LIBRARY, else a libparley.so beside this package, else the system's."""
    candidates = [os.environ.get("PARLEY_LIBRARY"),
                  os.path.join(os.path.dirname(__file__), "libparley.so"),
                  ctypes.util.find_library("parley"), "libparley.so.0"]
    errors = []
    for path in candidates:
        if not path:
            continue
        try:
            return ctypes.CDLL(path)
        except OSError as e:
            errors.append(f"{path}: {e}")
    raise ImportError("libparley.so not found (set PARLEY_LIBRARY): " + "; ".join(errors))


lib = _load()

status = c_int  # parley_status and the other C enums are ints


class Error(Structure):
    _fields_ = [("code", status), ("message", c_char * ERROR_MESSAGE_MAX)]


class Address(Structure):
    _fields_ = [("user", c_char_p), ("device", c_uint32)]


class MessageId(Structure):
    _fields_ = [("bytes", c_uint8 * 16)]


class CellId(Structure):
    _fields_ = [("bytes", c_uint8 * 16)]


class Buffer(Structure):
    _fields_ = [("data", POINTER(c_uint8)), ("len", c_size_t)]


class ClientOptions(Structure):
    _fields_ = [("struct_size", c_size_t), ("address", Address), ("store_path", c_char_p),
                ("store_key_kind", c_int), ("store_key", POINTER(c_uint8)), ("store_key_len", c_size_t),
                ("relay_host", c_char_p), ("relay_port", c_uint16), ("reconnect_initial_ms", c_uint32),
                ("reconnect_max_ms", c_uint32), ("initial_prekeys", c_uint32), ("deadline_tick_ms", c_uint32)]


class RoleChange(Structure):
    _fields_ = [("user", c_char_p), ("role", c_int)]


class ProposalId(Structure):
    _fields_ = [("bytes", c_uint8 * 16)]


class CellMember(Structure):
    _fields_ = [("device", Address), ("party", c_char_p), ("role", c_int), ("identity_key", POINTER(c_uint8)),
                ("identity_key_len", c_size_t)]


class CellProposal(Structure):
    _fields_ = [("struct_size", c_size_t), ("add", POINTER(CellMember)), ("add_count", c_size_t),
                ("remove", POINTER(Address)), ("remove_count", c_size_t), ("roles", POINTER(RoleChange)),
                ("role_count", c_size_t)]


class Event(Structure):
    _fields_ = [("struct_size", c_size_t), ("kind", c_int), ("peer", Address), ("id", MessageId),
                ("cell", CellId), ("channel", c_char_p), ("epoch", c_uint64), ("sent_at_ms", c_int64),
                ("text", POINTER(c_uint8)), ("text_len", c_size_t), ("count", c_uint32), ("joined", c_bool),
                ("error_code", status), ("error_message", c_char_p), ("applied", POINTER(c_uint8)),
                ("applied_len", c_size_t), ("conflicting", POINTER(c_uint8)), ("conflicting_len", c_size_t),
                ("proposal_id", ProposalId), ("proposal", POINTER(CellProposal)), ("precedence", c_int),
                ("party", c_char_p), ("by", Address), ("deadline_ms", c_int64)]


class PartyAck(Structure):
    _fields_ = [("party", c_char_p), ("state", c_int)]


class CellTemplate(Structure):
    _fields_ = [("struct_size", c_size_t), ("name", c_char_p), ("supervisor_party", c_char_p),
                ("parties", c_char_p * 2), ("members", POINTER(CellMember)), ("member_count", c_size_t)]


class Grant(Structure):
    _fields_ = [("kind", c_int), ("name", c_char_p), ("device", c_uint32)]


class ChannelPolicy(Structure):
    _fields_ = [("struct_size", c_size_t), ("read", POINTER(Grant)), ("read_count", c_size_t),
                ("post", POINTER(Grant)), ("post_count", c_size_t), ("ack_required", c_bool),
                ("ack_deadline_seconds", c_uint32), ("attested", c_bool), ("retention_seconds", c_uint64)]


class HistoryEntry(Structure):
    _fields_ = [("struct_size", c_size_t), ("channel", c_char_p), ("sender", Address), ("id", MessageId),
                ("epoch", c_uint64), ("sent_at_ms", c_int64), ("received_at_ms", c_int64),
                ("text", POINTER(c_uint8)), ("text_len", c_size_t)]


EVENT_FN = CFUNCTYPE(None, POINTER(Event), c_void_p)
_client = c_void_p
_list = c_void_p
_history = c_void_p
_err = POINTER(Error)
_bytes = POINTER(c_uint8)

# name: (restype, argtypes)
SIGNATURES = {
    "parley_status_name": (c_char_p, [status]),
    "parley_status_description": (c_char_p, [status]),
    "parley_version": (c_char_p, []),
    "parley_buffer_free": (None, [POINTER(Buffer)]),
    "parley_client_options_init": (None, [POINTER(ClientOptions)]),
    "parley_client_open": (status, [POINTER(ClientOptions), POINTER(_client), _err]),
    "parley_client_destroy": (None, [_client]),
    "parley_client_address": (status, [_client, POINTER(Address), _err]),
    "parley_client_identity_key": (status, [_client, POINTER(Buffer), _err]),
    "parley_client_set_event_callback": (status, [_client, EVENT_FN, c_void_p, _err]),
    "parley_client_start": (status, [_client, _err]),
    "parley_client_stop": (status, [_client, _err]),
    "parley_client_send_text": (status, [_client, Address, _bytes, c_size_t, POINTER(MessageId), _err]),
    "parley_cell_template_init": (None, [POINTER(CellTemplate)]),
    "parley_cell_create": (status, [_client, POINTER(CellTemplate), POINTER(CellId), _err]),
    "parley_cell_add_member": (status, [_client, CellId, POINTER(CellMember), _err]),
    "parley_cell_remove_member": (status, [_client, CellId, Address, _err]),
    "parley_cell_set_role": (status, [_client, CellId, c_char_p, c_int, _err]),
    "parley_cell_proposal_init": (None, [POINTER(CellProposal)]),
    "parley_cell_propose": (status, [_client, CellId, POINTER(CellProposal), POINTER(ProposalId), _err]),
    "parley_cell_accept_proposal": (status, [_client, CellId, ProposalId, _err]),
    "parley_cell_reject_proposal": (status, [_client, CellId, ProposalId, _err]),
    "parley_client_list_cells": (status, [_client, POINTER(_list), _err]),
    "parley_cell_list_count": (c_size_t, [_list]),
    "parley_cell_list_at": (POINTER(CellId), [_list, c_size_t]),
    "parley_cell_list_free": (None, [_list]),
    "parley_channel_policy_init": (None, [POINTER(ChannelPolicy)]),
    "parley_channel_create": (status, [_client, CellId, c_char_p, c_char_p, _err]),
    "parley_channel_archive": (status, [_client, CellId, c_char_p, _err]),
    "parley_channel_set_policy": (status, [_client, CellId, c_char_p, POINTER(ChannelPolicy), _err]),
    "parley_channel_post": (status, [_client, CellId, c_char_p, _bytes, c_size_t, POINTER(MessageId), _err]),
    "parley_channel_post_with_precedence": (status, [_client, CellId, c_char_p, _bytes, c_size_t, c_int,
                                                     POINTER(MessageId), _err]),
    "parley_channel_acknowledge": (status, [_client, CellId, c_char_p, Address, MessageId, POINTER(MessageId), _err]),
    "parley_channel_ack_status": (status, [_client, CellId, c_char_p, Address, MessageId, POINTER(c_void_p), _err]),
    "parley_channel_export_transcript": (status, [_client, CellId, c_char_p, c_int64, c_int64, POINTER(Buffer), _err]),
    "parley_ack_status_count": (c_size_t, [c_void_p]),
    "parley_ack_status_at": (POINTER(PartyAck), [c_void_p, c_size_t]),
    "parley_ack_status_free": (None, [c_void_p]),
    "parley_channel_history": (status, [_client, CellId, c_char_p, POINTER(_history), _err]),
    "parley_history_count": (c_size_t, [_history]),
    "parley_history_at": (POINTER(HistoryEntry), [_history, c_size_t]),
    "parley_history_free": (None, [_history]),
}

for _name, (_restype, _argtypes) in SIGNATURES.items():
    _fn = getattr(lib, _name)
    _fn.restype = _restype
    _fn.argtypes = _argtypes
