"""`viosaudit weekly --config FILE` end to end: the real CLI collects over SSH from the fake estate on
loopback, reports, and e-mails the two reports to a real SMTP server (aiosmtpd) on loopback; the
messages are read back (recipients, subject, body, the PDF's pages, the workbook's sheets)."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from mailserver import MailServer, make_ca_and_cert
from viosaudit.cli import EXIT_ERROR, EXIT_OK, EXIT_PARTIAL, main
from viosaudit.weekly import EXIT_UNDELIVERED, weekly_lock

SMTP_USER = "viosaudit-mailer"
SMTP_PASSWORD = "Sm7p-s3cret-Pw!"
SSH_PASSWORD = "ssh-Pa55-not-for-logs"
MANAGEMENT = ("cio@example.com", "ops.lead@example.com")
CAB = ("cab@example.com",)
TODAY = "2026-11-25"


@pytest.fixture
def mail() -> MailServer:
    server = MailServer(SMTP_USER, SMTP_PASSWORD).start()
    yield server
    server.stop()


def weekly_config(
    estate,
    tmp_path: Path,
    key: Path,
    port: int,
    *,
    smtp: dict[str, str | int] | None = None,
    delivery: str = "",
    collect: str = "",
    extra_hmc: str = "",
    vios_by_password: str | None = None,
) -> Path:
    known_hosts = estate.write_known_hosts(tmp_path / "known_hosts")
    smtp_table = {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "username": SMTP_USER,
        "password_env": "VIOSAUDIT_TEST_SMTP_PASSWORD",
        "from": "viosaudit@example.com",
    } | (smtp or {})
    lines = [
        "[collect]",
        f'key_file = "{key}"',
        f'known_hosts = "{known_hosts}"',
        "use_agent = false",
        "connect_timeout = 10",
        "command_timeout = 30",
        collect,
        "",
        "[[hmc]]",
        'name = "hmc1"',
        'address = "127.0.0.1"',
        f"port = {estate['hmc1'].port}",
        extra_hmc,
    ]
    if vios_by_password:
        host = estate[vios_by_password]
        lines += [
            "[[vios]]",
            f'name = "{vios_by_password}"',
            'address = "127.0.0.1"',
            f"port = {host.port}",
            f'managed_system = "{host.vios_identity[0]}"',
            'auth = "password"',
        ]
    lines += [
        "",
        "[report]",
        f'out = "{tmp_path / "reports"}"',
        f'snapshots = "{tmp_path / "snapshots"}"',
        "keep_weeks = 4",
        "",
        "[delivery]",
        f"management = {json.dumps(list(MANAGEMENT))}",
        f"cab = {json.dumps(list(CAB))}",
        delivery,
        "",
        "[delivery.smtp]",
        *(f"{k} = {json.dumps(v)}" for k, v in smtp_table.items()),
    ]
    path = tmp_path / "weekly.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def run_weekly(config: Path, tmp_path: Path, *more: str) -> int:
    log = tmp_path / "weekly.log"
    return main(
        ["weekly", "--config", str(config), "--today", TODAY, "--log-format", "json", "--log-file", str(log), *more]
    )


def log_lines(tmp_path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (tmp_path / "weekly.log").read_text().splitlines()]


def attachment(message, name: str) -> bytes:
    parts = [p for p in message.iter_attachments() if p.get_filename() == name]
    assert len(parts) == 1, [p.get_filename() for p in message.iter_attachments()]
    return parts[0].get_content()


def status_line(printed: str) -> str:
    return next(line for line in printed.splitlines() if line.startswith("Status: "))


def test_weekly_collects_reports_and_mails_both_reports(make_estate, client_key, tmp_path, capsys, mail, monkeypatch):
    monkeypatch.setenv("VIOSAUDIT_TEST_SMTP_PASSWORD", SMTP_PASSWORD)
    estate = make_estate()
    config = weekly_config(estate, tmp_path, client_key[1], mail.port)

    code = run_weekly(config, tmp_path)

    printed = capsys.readouterr().out
    assert code == EXIT_OK, printed
    assert mail.logins == [(SMTP_USER, SMTP_PASSWORD, True)]
    assert len(mail.received) == 2
    folder = tmp_path / "reports" / TODAY

    management = mail.by_recipient(MANAGEMENT[0])
    assert management.recipients == list(MANAGEMENT)
    assert management.sender == "viosaudit@example.com"
    subject = management.message["Subject"]
    assert subject.startswith(f"VIOS estate audit {TODAY}: ") and subject.endswith("management report")
    assert "PARTIAL" not in subject
    body = management.message.get_body(("plain",)).get_content()
    assert status_line(printed) in body.splitlines()  # the same status line as the summary on stdout
    assert f"Reports: {folder.resolve()}" in body
    assert "Gaps: 0 collection or parse failures" in body
    assert any(line.startswith("No history yet") for line in body.splitlines())  # recorded: first run of the store
    pdf = PdfReader(io.BytesIO(attachment(management.message, "viosaudit-report.pdf")))
    assert len(pdf.pages) >= 2
    assert "VIOS" in pdf.pages[0].extract_text()
    assert [p.get_filename() for p in management.message.iter_attachments()] == ["viosaudit-report.pdf"]

    cab = mail.by_recipient(CAB[0])
    assert cab.recipients == list(CAB)
    assert cab.message["Subject"].endswith("CAB workbook")
    book = openpyxl.load_workbook(io.BytesIO(attachment(cab.message, "viosaudit-cab.xlsx")), read_only=True)
    assert {"Findings", "Changes", "Inventory", "Gaps"} <= set(book.sheetnames)
    assert status_line(printed) in cab.message.get_body(("plain",)).get_content()

    # the reports stay on disk; the log has one line per stage and one per host, as JSON lines
    assert (folder / "viosaudit-report.pdf").is_file() and (folder / "viosaudit-cab.xlsx").is_file()
    lines = log_lines(tmp_path)
    assert {"config", "collect", "report", "deliver", "retention", "weekly"} <= {line["stage"] for line in lines}
    hosts = {line["host"] for line in lines if line["stage"] == "collect" and "host" in line}
    assert set(estate.hosts) <= hosts
    assert all({"ts", "level", "stage", "message"} <= set(line) for line in lines)
    assert lines[-1]["outcome"] == "complete" and isinstance(lines[-1]["duration_ms"], int)
    assert [line["outcome"] for line in lines if line["stage"] == "deliver"] == ["ok", "ok"]
    assert (tmp_path / "weekly.log").stat().st_mode & 0o777 == 0o600


def test_refused_login_is_an_error_and_the_reports_are_kept(
    make_estate, client_key, tmp_path, capsys, mail, monkeypatch
):
    monkeypatch.setenv("VIOSAUDIT_TEST_SMTP_PASSWORD", "not-the-password")
    estate = make_estate()
    config = weekly_config(estate, tmp_path, client_key[1], mail.port)

    code = run_weekly(config, tmp_path)

    captured = capsys.readouterr()
    assert code == EXIT_UNDELIVERED
    assert mail.received == [] and mail.logins == [(SMTP_USER, "not-the-password", False)]
    folder = tmp_path / "reports" / TODAY
    assert {p.name for p in folder.iterdir()} >= {
        "viosaudit-report.pdf",
        "viosaudit-cab.xlsx",
        "viosaudit-evidence.zip",
    }
    errors = [line for line in log_lines(tmp_path) if line["level"] == "error"]
    assert len(errors) == 1 and errors[0]["stage"] == "deliver"
    assert "refused the login of 'viosaudit-mailer'" in errors[0]["message"]
    assert f"the reports are kept at {folder}" in errors[0]["message"]
    assert "refused the login" in captured.err  # the journal (stderr) has it too
    assert "not-the-password" not in (tmp_path / "weekly.log").read_text() + captured.err + captured.out


def test_starttls_with_an_internal_ca_and_a_partial_collection(make_estate, client_key, tmp_path, capsys, monkeypatch):
    """STARTTLS verified against the site's CA file; an unreachable HMC makes the run partial, still
    delivered, marked PARTIAL in subject and body; exit 1."""
    monkeypatch.setenv("VIOSAUDIT_TEST_SMTP_PASSWORD", SMTP_PASSWORD)
    ca_file, server_context = make_ca_and_cert(tmp_path)
    mail = MailServer(SMTP_USER, SMTP_PASSWORD, tls_context=server_context).start()
    try:
        estate = make_estate()
        dead = '[[hmc]]\nname = "hmc-gone"\naddress = "127.0.0.1"\nport = 1\n'
        smtp = {"security": "starttls", "ca_file": str(ca_file)}
        config = weekly_config(estate, tmp_path, client_key[1], mail.port, smtp=smtp, extra_hmc=dead)
        code = run_weekly(config, tmp_path)
    finally:
        mail.stop()
    assert code == EXIT_PARTIAL, capsys.readouterr()
    assert len(mail.received) == 2 and mail.logins == [(SMTP_USER, SMTP_PASSWORD, True)]
    message = mail.by_recipient(CAB[0]).message
    assert message["Subject"].startswith(f"PARTIAL - VIOS estate audit {TODAY}")
    body = message.get_body(("plain",)).get_content()
    assert any(line.startswith("PARTIAL: ") for line in body.splitlines())
    assert "shown as unknown, never as compliant" in body
    lines = log_lines(tmp_path)
    gone = [line for line in lines if line.get("host") == "hmc-gone"]
    assert gone and all(line["level"] == "warning" for line in gone)
    assert lines[-1]["outcome"] == "partial"


def test_starttls_to_a_server_the_ca_does_not_vouch_for_is_refused(
    make_estate, client_key, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("VIOSAUDIT_TEST_SMTP_PASSWORD", SMTP_PASSWORD)
    _, server_context = make_ca_and_cert(tmp_path)
    mail = MailServer(SMTP_USER, SMTP_PASSWORD, tls_context=server_context).start()
    try:
        config = weekly_config(make_estate(), tmp_path, client_key[1], mail.port, smtp={"security": "starttls"})
        code = run_weekly(config, tmp_path)
    finally:
        mail.stop()
    assert code == EXIT_UNDELIVERED
    assert mail.logins == [] and mail.received == []  # the password never left: TLS failed first
    (error,) = [line for line in log_lines(tmp_path) if line["level"] == "error"]
    assert "TLS failed" in error["message"] and "ca_file" in error["message"]


def test_no_secret_reaches_the_log_or_the_terminal(make_estate, client_key, tmp_path, capfd, mail, monkeypatch):
    """The SMTP password (environment) and an SSH password (one VIOS logs in by password) are used and
    never written: not in the log file, not on stdout or stderr, not in the snapshot's manifest."""
    monkeypatch.setenv("VIOSAUDIT_TEST_SMTP_PASSWORD", SMTP_PASSWORD)
    monkeypatch.setenv("VIOSAUDIT_TEST_SSH_PASSWORD", SSH_PASSWORD)
    estate = make_estate(password=SSH_PASSWORD)
    vios = next(name for name, host in estate.hosts.items() if host.role == "vios")
    config = weekly_config(
        estate,
        tmp_path,
        client_key[1],
        mail.port,
        collect='password_env = "VIOSAUDIT_TEST_SSH_PASSWORD"',
        vios_by_password=vios,
    )
    code = run_weekly(config, tmp_path, "--verbose")
    captured = capfd.readouterr()
    assert code in (EXIT_OK, EXIT_PARTIAL), captured.err
    assert SSH_PASSWORD in estate[vios].stats.passwords and mail.logins == [(SMTP_USER, SMTP_PASSWORD, True)]
    log = (tmp_path / "weekly.log").read_text()
    assert len(log.splitlines()) > 10  # --verbose: every command
    written = log + captured.out + captured.err
    written += "".join(p.read_text(errors="replace") for p in (tmp_path / "snapshots").rglob("*.json"))
    for secret in (SMTP_PASSWORD, SSH_PASSWORD):
        assert secret not in written


def test_a_second_run_refuses_while_one_holds_the_lock(make_estate, client_key, tmp_path, capsys, mail, monkeypatch):
    monkeypatch.setenv("VIOSAUDIT_TEST_SMTP_PASSWORD", SMTP_PASSWORD)
    config = weekly_config(make_estate(), tmp_path, client_key[1], mail.port)
    with weekly_lock(tmp_path / "reports"):
        code = run_weekly(config, tmp_path)
    assert code == EXIT_ERROR
    (error,) = [line for line in log_lines(tmp_path) if line["level"] == "error"]
    assert error["stage"] == "lock"
    assert f"another weekly run is in progress (pid {os.getpid()} since " in error["message"]
    assert not (tmp_path / "snapshots").exists() and mail.received == []


def test_an_attachment_over_the_limit_is_replaced_by_where_the_reports_are(
    make_estate, client_key, tmp_path, capsys, mail, monkeypatch
):
    monkeypatch.setenv("VIOSAUDIT_TEST_SMTP_PASSWORD", SMTP_PASSWORD)
    delivery = 'max_attachment_mb = 0.001\nreport_url_base = "https://intranet.example.com/viosaudit/"'
    config = weekly_config(make_estate(), tmp_path, client_key[1], mail.port, delivery=delivery)
    assert run_weekly(config, tmp_path) == EXIT_OK
    for received in mail.received:
        assert list(received.message.iter_attachments()) == []
        body = received.message.get_body(("plain",)).get_content()
        assert f"the reports are at https://intranet.example.com/viosaudit/{TODAY}/" in body
