"""Secrets never reach the snapshot, the gaps, the notes or the log."""

from __future__ import annotations

import logging
from dataclasses import replace

from estate import simple_estate
from sshserver import Fault

from viosaudit.collect import LogProcessor, collect
from viosaudit.config import HostSpec, Secret
from viosaudit.sanitize import MASK, Sanitizer

PASSWORD = "Tr0ub4dor&3-secret"


def test_known_secret_and_secret_shapes_are_masked():
    sanitizer = Sanitizer([PASSWORD])
    assert PASSWORD not in sanitizer.text(f"login failed for hscroot with {PASSWORD}")
    assert sanitizer.text("ssh password=abc123 next") == f"ssh password={MASK} next"
    assert sanitizer.text("Password: hunter2") == f"Password: {MASK}"
    assert sanitizer.text("nfs://admin:pa55@nim/export") == f"nfs://admin:{MASK}@nim/export"
    key = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----"
    assert "AAAA" not in sanitizer.text(key)
    data, count = sanitizer.data(b"x " + PASSWORD.encode() + b" token=zz\n")
    assert PASSWORD.encode() not in data and b"zz" not in data and count == 2


def test_ordinary_output_is_untouched():
    sanitizer = Sanitizer([PASSWORD])
    lslpp = b"bos.rte:bos.rte.security:7.2.5.0: : :C: :Password Management: : : : : : :0:0:/:\n"
    state = b"P9,9009-42A,78ABCDE,Pending Authentication - Password Updates Required\n"
    for output in (lslpp, state):
        assert sanitizer.data(output) == (output, 0)


def test_password_never_written_or_logged(make_estate, settings_for, caplog):
    estate = make_estate(simple_estate(systems=1), password=PASSWORD)
    estate["vios001a"].behaviour.faults["lsmap_all"] = Fault.LEAK  # the host prints the password
    estate["vios001b"].behaviour.auth_fail = True
    settings = settings_for(
        estate,
        hmcs=(),
        vioses=(
            HostSpec("vios001a", "127.0.0.1", managed_system="P9-001"),
            HostSpec("vios001b", "127.0.0.1", managed_system="P9-001"),
        ),
    )
    settings = replace(settings, key_file=None, password=Secret(PASSWORD), auth="password")
    with caplog.at_level(logging.DEBUG):
        result = collect(settings, processor=LogProcessor())

    assert {c.command_id for c in result.manifest.captures if c.host == "vios001a"} >= {"lsmap_all"}
    everything = b"".join(p.read_bytes() for p in result.snapshot_dir.rglob("*") if p.is_file())
    assert PASSWORD.encode() not in everything
    assert MASK.encode() in everything
    assert any("secret(s) masked" in n for n in result.manifest.notes)
    assert PASSWORD not in caplog.text
    assert all(PASSWORD not in (o.reason or "") for o in result.outcomes)
    assert any("authentication failed" in (o.reason or "") and "password" in o.reason for o in result.outcomes)


def test_the_keyword_scan_never_skips_a_match():
    from viosaudit.sanitize import Sanitizer

    sanitizer = Sanitizer()
    for text in ("PassWord=hunter2", "x PWD = 'a b'", "nfs://u:pw@host/x", "To\u212aen=abc", "pa\u017f\u017fword=abc"):
        assert "hunter2" not in sanitizer.text(text) and sanitizer.text(text) != text, text
    key = b"-----BEGIN RSA PRIVATE KEY-----\nab\n-----END RSA PRIVATE KEY-----"
    for raw in (b"PASSWD=x1", b"ftp://user:pw@h", key):
        masked, count = sanitizer.data(raw)
        assert count == 1 and masked != raw, raw
    clean = b"no secrets here: lslpp:bos.rte:7.2.5.200"
    assert sanitizer.data(clean) == (clean, 0)
