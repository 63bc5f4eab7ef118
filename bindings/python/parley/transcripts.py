# SPDX-License-Identifier: GPL-3.0-or-later
"""Offline verification of an attested channel's transcript (parley_transcript_verify).

Needs no client, store or network: the same check parley-verify and Parley.verifyTranscript run.
"""
import ctypes

from . import _lib
from .client import _address, _digest, _ref
from .errors import check
from .types import Precedence, TranscriptAck, TranscriptMessage, TranscriptMissing, TranscriptReport

_VERDICTS = {1: "valid", 2: "forged", 3: "equivocation"}
_MISSING = {1: "sequence_gap", 2: "acknowledged_message"}


def _message(m):
    acks = tuple(TranscriptAck(m.acks[i].party.decode(), _address(m.acks[i].device), m.acks[i].at_ms)
                 for i in range(m.ack_count))
    return TranscriptMessage(index=m.index, ref=_ref(m.ref), sequence=m.sequence, epoch=m.epoch,
                             sent_at_ms=m.sent_at_ms, precedence=Precedence(m.precedence) if m.precedence else None,
                             verdict=_VERDICTS[m.verdict], reason=m.reason.decode(), detail=m.detail.decode(),
                             conflicts_with=m.conflicts_with if m.conflicts_with >= 0 else None, acks=acks)


def _missing(m):
    return TranscriptMissing(kind=_MISSING[m.kind], sender=_address(m.sender), first_sequence=m.first_sequence,
                             last_sequence=m.last_sequence, target=_ref(m.target) if m.has_target else None,
                             acknowledged_by=_ref(m.acknowledged_by) if m.has_acknowledged_by else None)


def verify_transcript(transcript, expected_genesis=None):
    """Checks transcript bytes (Client.export_transcript's); returns a TranscriptReport.

    With expected_genesis (32 bytes, agreed out of band) a transcript of another cell is refused.
    Raises ParleyError when the bytes are no transcript, the charter does not fold, or the
    channel was never attested; forged or missing messages are findings in the report.
    """
    data = bytes(transcript)
    buf = (ctypes.c_uint8 * max(len(data), 1)).from_buffer_copy(data or b"\0")
    genesis = ctypes.byref(_digest(expected_genesis)) if expected_genesis is not None else None
    handle = ctypes.c_void_p()
    err = _lib.Error()
    check(_lib.lib.parley_transcript_verify(buf, len(data), genesis, ctypes.byref(handle), ctypes.byref(err)), err)
    try:
        s = _lib.lib.parley_transcript_report_summary(handle).contents
        return TranscriptReport(
            cell=bytes(s.cell.bytes), channel=s.channel.decode(), genesis=bytes(s.genesis.bytes),
            charter_epoch=s.charter_epoch, from_ms=s.from_ms, to_ms=s.to_ms,
            messages=tuple(_message(_lib.lib.parley_transcript_report_message(handle, i).contents)
                           for i in range(s.message_count)),
            missing=tuple(_missing(_lib.lib.parley_transcript_report_missing(handle, i).contents)
                          for i in range(s.missing_count)),
            all_valid=bool(s.all_valid))
    finally:
        _lib.lib.parley_transcript_report_free(handle)
