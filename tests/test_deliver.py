"""Delivery on its own, against a real SMTP server on loopback: implicit TLS verified with the site's
CA, a server that offers no STARTTLS is not sent anything in clear, an oversized report is not attached."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailserver import MailServer, make_ca_and_cert
from viosaudit.config import Secret
from viosaudit.deliver import Letter, Security, SmtpSettings, send
from viosaudit.errors import DeliveryError


def settings(port: int, security: Security, ca_file: Path | None = None) -> SmtpSettings:
    return SmtpSettings(
        host="127.0.0.1",
        port=port,
        security=security,
        sender="viosaudit@example.com",
        username="u",
        password=Secret("p4ss"),
        ca_file=ca_file,
        timeout=10,
    )


def test_implicit_tls_verified_with_the_site_ca(tmp_path: Path) -> None:
    ca_file, context = make_ca_and_cert(tmp_path)
    report = tmp_path / "viosaudit-report.pdf"
    report.write_bytes(b"%PDF-1.7 test")
    server = MailServer("u", "p4ss", tls_context=context, implicit_tls=True).start()
    try:
        letter = Letter("management", ("a@example.com", "b@example.com"), "Subject é", "Status: OK\n", report)
        send(settings(server.port, Security.TLS, ca_file), [letter])
    finally:
        server.stop()
    (received,) = server.received
    assert received.recipients == ["a@example.com", "b@example.com"] and server.logins == [("u", "p4ss", True)]
    assert received.message["Subject"] == "Subject é"
    (part,) = received.message.iter_attachments()
    assert part.get_content_type() == "application/pdf" and part.get_content() == b"%PDF-1.7 test"


def test_no_starttls_offered_means_nothing_is_sent(tmp_path: Path) -> None:
    server = MailServer("u", "p4ss").start()  # plain server: AUTH offered, STARTTLS not
    try:
        with pytest.raises(DeliveryError, match="does not offer STARTTLS; not sending in clear"):
            send(settings(server.port, Security.STARTTLS), [Letter("cab", ("c@example.com",), "s", "b")])
    finally:
        server.stop()
    assert server.logins == [] and server.received == []


def test_an_unreachable_server_is_one_clear_error() -> None:
    with pytest.raises(DeliveryError, match=r"127\.0\.0\.1:1: cannot deliver the reports: Connection refused"):
        send(settings(1, Security.NONE), [Letter("cab", ("c@example.com",), "s", "b")])
