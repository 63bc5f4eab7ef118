# SPDX-License-Identifier: GPL-3.0-or-later
"""ctypes declarations of parley.h: the one place where the C ABI is described in Python.

Every function of parley.h is declared here (tests/test_header_coverage.py checks it), with the
same struct layouts. No logic lives in this module.
"""
import ctypes
import ctypes.util
import os
from ctypes import (CFUNCTYPE, POINTER, Structure, c_bool, c_char, c_char_p, c_int, c_int32, c_int64, c_size_t,
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
                ("reconnect_max_ms", c_uint32), ("initial_prekeys", c_uint32), ("deadline_tick_ms", c_uint32),
                # version 2: TLS and invites
                ("relay_tls", c_bool), ("relay_ca_file", c_char_p), ("relay_cert_sha256", c_char_p),
                ("invite_token", c_char_p)]


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


class IncidentId(Structure):
    _fields_ = [("bytes", c_uint8 * 16)]


class MessageRef(Structure):
    _fields_ = [("sender", Address), ("id", MessageId)]


class GeoPoint(Structure):
    _fields_ = [("lat_e7", c_int32), ("lon_e7", c_int32)]


class Area(Structure):
    _fields_ = [("kind", c_int), ("center", GeoPoint), ("radius_m", c_uint32), ("vertices", POINTER(GeoPoint)),
                ("vertex_count", c_size_t)]


class Notice(Structure):
    _fields_ = [("struct_size", c_size_t), ("area", Area), ("start_ms", c_int64), ("end_ms", c_int64),
                ("description", POINTER(c_uint8)), ("description_len", c_size_t)]


class NoticeEntry(Structure):
    _fields_ = [("struct_size", c_size_t), ("ref", MessageRef), ("party", c_char_p), ("sent_at_ms", c_int64),
                ("notice", POINTER(Notice)), ("conflicts", POINTER(MessageRef)), ("conflict_count", c_size_t)]


class NewIncident(Structure):
    _fields_ = [("struct_size", c_size_t), ("title", POINTER(c_uint8)), ("title_len", c_size_t),
                ("details", POINTER(c_uint8)), ("details_len", c_size_t), ("severity", c_int),
                ("respondent_party", c_char_p), ("has_location", c_bool), ("location", GeoPoint)]


class IncidentAck(Structure):
    _fields_ = [("party", c_char_p), ("at_ms", c_int64)]


class IncidentComment(Structure):
    _fields_ = [("ref", MessageRef), ("party", c_char_p), ("at_ms", c_int64), ("text", POINTER(c_uint8)),
                ("text_len", c_size_t)]


class IncidentProposal(Structure):
    _fields_ = [("ref", MessageRef), ("party", c_char_p), ("at_ms", c_int64), ("text", POINTER(c_uint8)),
                ("text_len", c_size_t), ("agreed", POINTER(c_char_p)), ("agreed_count", c_size_t)]


class IncidentResolution(Structure):
    _fields_ = [("by", c_int), ("proposal", POINTER(MessageRef)), ("resolved_by", MessageRef), ("at_ms", c_int64),
                ("text", POINTER(c_uint8)), ("text_len", c_size_t)]


class Incident(Structure):
    _fields_ = [("struct_size", c_size_t), ("id", IncidentId), ("opened_by", MessageRef), ("opener_party", c_char_p),
                ("respondent_party", c_char_p), ("opened_at_ms", c_int64), ("title", POINTER(c_uint8)),
                ("title_len", c_size_t), ("details", POINTER(c_uint8)), ("details_len", c_size_t),
                ("severity", c_int), ("has_location", c_bool), ("location", GeoPoint),
                ("acknowledged", POINTER(IncidentAck)), ("acknowledged_count", c_size_t),
                ("comments", POINTER(IncidentComment)), ("comment_count", c_size_t),
                ("proposals", POINTER(IncidentProposal)), ("proposal_count", c_size_t),
                ("resolution", POINTER(IncidentResolution))]


class Digest(Structure):
    _fields_ = [("bytes", c_uint8 * 32)]


JOIN_ANCHOR_MAX = 96
FINGERPRINT_DIGITS_MAX = 36


class Event(Structure):
    _fields_ = [("struct_size", c_size_t), ("kind", c_int), ("peer", Address), ("id", MessageId),
                ("cell", CellId), ("channel", c_char_p), ("epoch", c_uint64), ("sent_at_ms", c_int64),
                ("text", POINTER(c_uint8)), ("text_len", c_size_t), ("count", c_uint32), ("joined", c_bool),
                ("error_code", status), ("error_message", c_char_p), ("applied", POINTER(c_uint8)),
                ("applied_len", c_size_t), ("conflicting", POINTER(c_uint8)), ("conflicting_len", c_size_t),
                ("proposal_id", ProposalId), ("proposal", POINTER(CellProposal)), ("precedence", c_int),
                ("party", c_char_p), ("by", Address), ("deadline_ms", c_int64), ("incident", IncidentId),
                ("other", Address), ("other_id", MessageId), ("other_party", c_char_p), ("notice", POINTER(Notice)),
                ("genesis", Digest), ("fingerprint", Digest)]


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
                ("text", POINTER(c_uint8)), ("text_len", c_size_t), ("precedence", c_int)]


class CellDeviceInfo(Structure):
    _fields_ = [("address", Address), ("identity_key", POINTER(c_uint8)), ("identity_key_len", c_size_t),
                ("identity_fingerprint", Digest)]


class CellMemberInfo(Structure):
    _fields_ = [("user", c_char_p), ("party", c_char_p), ("role", c_int), ("devices", POINTER(CellDeviceInfo)),
                ("device_count", c_size_t)]


class CellChannelInfo(Structure):
    _fields_ = [("name", c_char_p), ("display_name", c_char_p), ("archived", c_bool), ("read", POINTER(Grant)),
                ("read_count", c_size_t), ("post", POINTER(Grant)), ("post_count", c_size_t),
                ("ack_required", c_bool), ("ack_deadline_seconds", c_uint32), ("attested", c_bool),
                ("retention_seconds", c_uint64), ("can_read", c_bool), ("can_post", c_bool)]


class PendingProposalInfo(Structure):
    _fields_ = [("id", ProposalId), ("proposer", Address), ("base_epoch", c_uint64), ("received_at_ms", c_int64),
                ("changes", POINTER(CellProposal)), ("summary", c_char_p)]


class CellInfo(Structure):
    _fields_ = [("struct_size", c_size_t), ("id", CellId), ("name", c_char_p), ("genesis", Digest),
                ("supervisor_fingerprint", Digest), ("supervisor_fingerprint_digits", c_char_p),
                ("epoch", c_uint64), ("party", c_char_p), ("role", c_int), ("supervisor_party", c_char_p),
                ("parties", POINTER(c_char_p)), ("party_count", c_size_t),
                ("members", POINTER(CellMemberInfo)), ("member_count", c_size_t),
                ("channels", POINTER(CellChannelInfo)), ("channel_count", c_size_t),
                ("pending_proposals", POINTER(PendingProposalInfo)), ("pending_proposal_count", c_size_t)]

class TranscriptAck(Structure):
    _fields_ = [("party", c_char_p), ("device", Address), ("at_ms", c_int64)]


class TranscriptMessage(Structure):
    _fields_ = [("struct_size", c_size_t), ("index", c_size_t), ("ref", MessageRef), ("sequence", c_uint64),
                ("epoch", c_uint64), ("sent_at_ms", c_int64), ("precedence", c_int), ("verdict", c_int),
                ("reason", c_char_p), ("detail", c_char_p), ("conflicts_with", c_int64),
                ("acks", POINTER(TranscriptAck)), ("ack_count", c_size_t)]


class TranscriptMissing(Structure):
    _fields_ = [("struct_size", c_size_t), ("kind", c_int), ("sender", Address), ("first_sequence", c_uint64),
                ("last_sequence", c_uint64), ("has_target", c_bool), ("target", MessageRef),
                ("has_acknowledged_by", c_bool), ("acknowledged_by", MessageRef)]


class TranscriptSummary(Structure):
    _fields_ = [("struct_size", c_size_t), ("cell", CellId), ("channel", c_char_p), ("genesis", Digest),
                ("charter_epoch", c_uint64), ("from_ms", c_int64), ("to_ms", c_int64), ("message_count", c_size_t),
                ("missing_count", c_size_t), ("all_valid", c_bool)]


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
    "parley_client_add_join_anchor": (status, [_client, c_char_p, _err]),
    "parley_client_supervisor_anchor": (status, [_client, ctypes.c_char_p, c_size_t, _err]),
    "parley_cell_join_anchor": (status, [_client, CellId, ctypes.c_char_p, c_size_t, _err]),
    "parley_client_accept_invitation": (status, [_client, Digest, _err]),
    "parley_client_decline_invitation": (status, [_client, Digest, _err]),
    "parley_fingerprint_digits": (status, [Digest, ctypes.c_char_p, c_size_t, _err]),
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
    "parley_new_incident_init": (None, [POINTER(NewIncident)]),
    "parley_incident_open": (status, [_client, CellId, c_char_p, POINTER(NewIncident), c_int, POINTER(IncidentId),
                                      _err]),
    "parley_incident_acknowledge": (status, [_client, CellId, c_char_p, IncidentId, POINTER(MessageId), _err]),
    "parley_incident_comment": (status, [_client, CellId, c_char_p, IncidentId, _bytes, c_size_t, POINTER(MessageId),
                                         _err]),
    "parley_incident_propose": (status, [_client, CellId, c_char_p, IncidentId, _bytes, c_size_t, POINTER(MessageId),
                                         _err]),
    "parley_incident_resolve": (status, [_client, CellId, c_char_p, IncidentId, POINTER(MessageRef), _bytes, c_size_t,
                                         POINTER(MessageId), _err]),
    "parley_channel_incidents": (status, [_client, CellId, c_char_p, POINTER(c_void_p), _err]),
    "parley_incident_list_count": (c_size_t, [c_void_p]),
    "parley_incident_list_at": (POINTER(Incident), [c_void_p, c_size_t]),
    "parley_incident_list_free": (None, [c_void_p]),
    "parley_notice_init": (None, [POINTER(Notice)]),
    "parley_channel_post_notice": (status, [_client, CellId, c_char_p, POINTER(Notice), c_int, POINTER(MessageId),
                                            _err]),
    "parley_channel_notices": (status, [_client, CellId, c_char_p, POINTER(c_void_p), _err]),
    "parley_notice_list_count": (c_size_t, [c_void_p]),
    "parley_notice_list_at": (POINTER(NoticeEntry), [c_void_p, c_size_t]),
    "parley_notice_list_free": (None, [c_void_p]),
    "parley_client_cell_view": (status, [_client, CellId, POINTER(c_void_p), _err]),
    "parley_cell_view_info": (POINTER(CellInfo), [c_void_p]),
    "parley_cell_view_free": (None, [c_void_p]),
    "parley_channel_rename": (status, [_client, CellId, c_char_p, c_char_p, _err]),
    "parley_transcript_verify": (status, [POINTER(c_uint8), c_size_t, POINTER(Digest), POINTER(c_void_p), _err]),
    "parley_transcript_report_summary": (POINTER(TranscriptSummary), [c_void_p]),
    "parley_transcript_report_message": (POINTER(TranscriptMessage), [c_void_p, c_size_t]),
    "parley_transcript_report_missing": (POINTER(TranscriptMissing), [c_void_p, c_size_t]),
    "parley_transcript_report_free": (None, [c_void_p]),
}

for _name, (_restype, _argtypes) in SIGNATURES.items():
    _fn = getattr(lib, _name)
    _fn.restype = _restype
    _fn.argtypes = _argtypes
