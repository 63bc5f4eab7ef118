# SPDX-License-Identifier: GPL-3.0-or-later
"""TLS and invite tokens through the Python binding, against a real relay started with a test
certificate (made here with `openssl req`) and invite-only registration (the relay's default)."""
import hashlib
import ssl
import subprocess
import time
import urllib.request

import pytest

import parley
from parley import ErrorCode, EventKind, ParleyError
from conftest import relay_binary, running_relay


def make_cert(folder, name):
    """A self-signed P-256 certificate for localhost and 127.0.0.1; returns (cert, key, sha256)."""
    cert, key = folder / f"{name}.crt", folder / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    der = ssl.PEM_cert_to_DER_cert(cert.read_text())
    return cert, key, hashlib.sha256(der).hexdigest()


@pytest.fixture
def tls_relay(tmp_path):
    """A relay over TLS with invite registration; yields (port, cert, sha256, mint) where
    mint(uses) returns a fresh invite token."""
    binary = relay_binary()
    cert, key, sha256 = make_cert(tmp_path, "relay")
    data = tmp_path / "relay"

    def mint(uses=1):
        out = subprocess.run([binary, "admin", "mint-invite", "--data", str(data), "--uses", str(uses)],
                             check=True, capture_output=True, text=True)
        return out.stdout.strip()

    mint()  # creates the database before the relay opens it
    with running_relay(["--data", str(data), "--tls-cert", str(cert), "--tls-key", str(key)], quiet=True) as port:
        yield port, cert, sha256, mint


@pytest.fixture
def opened():
    clients = []
    yield clients
    for client in clients:
        client.close()


def open_device(opened, tmp_path, user, port, **options):
    client = parley.Client(user, tmp_path / f"{user}.db", passphrase=f"passphrase of {user}", relay_port=port,
                           reconnect_initial_ms=50, reconnect_max_ms=500, initial_prekeys=20, **options)
    opened.append(client)
    return client


def kinds(*wanted):
    return lambda e: e.kind in wanted


def test_devices_with_an_invite_talk_over_tls_with_a_pinned_certificate(tls_relay, tmp_path, opened):
    port, cert, sha256, mint = tls_relay
    token = mint(uses=2)
    pin = ":".join(sha256[i:i + 2] for i in range(0, len(sha256), 2)).upper()  # openssl's form works too
    alice = open_device(opened, tmp_path, "alice", port, relay_tls=True, relay_ca_file=cert, relay_cert_sha256=pin,
                        invite_token=token)
    bob = open_device(opened, tmp_path, "bob", port, relay_tls=True, relay_ca_file=str(cert), invite_token=token)
    for client in (alice, bob):
        client.start()
        got = client.wait_for(kinds(EventKind.CONNECTED, EventKind.PROTOCOL_ERROR, EventKind.DISCONNECTED))
        assert got.kind == EventKind.CONNECTED, got
    sent = alice.send_text(bob.address, "over wss")
    received = bob.wait_for(kinds(EventKind.MESSAGE_RECEIVED))
    assert (received.text, received.id) == ("over wss", sent)


def handshake_failures(port, cert):
    """parley_relay_tls_handshake_failures_total from the relay's /metrics (over HTTPS)."""
    context = ssl.create_default_context(cafile=str(cert))
    with urllib.request.urlopen(f"https://127.0.0.1:{port}/metrics", context=context, timeout=5) as answer:
        for line in answer.read().decode().splitlines():
            if line.startswith("parley_relay_tls_handshake_failures_total "):
                return int(line.split()[1])
    raise AssertionError("no tls_handshake_failures_total in /metrics")


def refused_by_client(client, port, cert):
    """The client never connects, and the relay sees its TLS handshakes fail as it retries. The
    app is told why once: one DISCONNECTED naming the reason, not one per retry."""
    before = handshake_failures(port, cert)
    client.start()
    deadline = time.monotonic() + 10
    while handshake_failures(port, cert) < before + 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert handshake_failures(port, cert) >= before + 2
    seen = list(client.events(timeout=0.5))
    assert all(e.kind != EventKind.CONNECTED for e in seen)
    disconnected = [e for e in seen if e.kind == EventKind.DISCONNECTED]
    assert len(disconnected) == 1, seen
    assert "tls" in disconnected[0].error_message, disconnected[0]


def test_a_client_pinned_to_another_certificate_refuses_the_relay(tls_relay, tmp_path, opened):
    port, cert, _, mint = tls_relay
    _, _, other = make_cert(tmp_path, "other")
    client = open_device(opened, tmp_path, "mallory", port, relay_tls=True, relay_ca_file=cert,
                         relay_cert_sha256=other, invite_token=mint())
    refused_by_client(client, port, cert)


def test_a_client_without_the_ca_refuses_a_self_signed_relay(tls_relay, tmp_path, opened):
    port, cert, _, mint = tls_relay
    client = open_device(opened, tmp_path, "trusting", port, relay_tls=True, invite_token=mint())  # system roots
    refused_by_client(client, port, cert)


@pytest.mark.parametrize("token, code", [(None, ErrorCode.INVITE_REQUIRED), ("pinv_not-a-token", ErrorCode.INVITE_INVALID)])
def test_registration_without_a_valid_invite_is_refused_with_its_code(tls_relay, tmp_path, opened, token, code):
    port, cert, _, _ = tls_relay
    client = open_device(opened, tmp_path, "uninvited", port, relay_tls=True, relay_ca_file=cert, invite_token=token)
    client.start()
    got = client.wait_for(kinds(EventKind.CONNECTED, EventKind.PROTOCOL_ERROR))
    assert got.kind == EventKind.PROTOCOL_ERROR
    assert got.error_code == code, got


def test_a_used_up_invite_is_refused(tls_relay, tmp_path, opened):
    port, cert, _, mint = tls_relay
    token = mint(uses=1)
    first = open_device(opened, tmp_path, "first", port, relay_tls=True, relay_ca_file=cert, invite_token=token)
    first.start()
    assert first.wait_for(kinds(EventKind.CONNECTED, EventKind.PROTOCOL_ERROR)).kind == EventKind.CONNECTED
    second = open_device(opened, tmp_path, "second", port, relay_tls=True, relay_ca_file=cert, invite_token=token)
    second.start()
    got = second.wait_for(kinds(EventKind.CONNECTED, EventKind.PROTOCOL_ERROR))
    assert (got.kind, got.error_code) == (EventKind.PROTOCOL_ERROR, ErrorCode.INVITE_INVALID)


def test_tls_options_are_checked_at_open(tmp_path, opened):
    with pytest.raises(ParleyError) as e:
        open_device(opened, tmp_path, "badpin", 1, relay_tls=True, relay_cert_sha256="abc")
    assert e.value.code == ErrorCode.INVALID_ARGUMENT
    with pytest.raises(ParleyError) as e:
        open_device(opened, tmp_path, "notls", 1, relay_ca_file="/nonexistent.pem")
    assert e.value.code == ErrorCode.INVALID_ARGUMENT
