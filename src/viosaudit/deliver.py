"""E-mail delivery of the weekly reports: the management PDF to one list, the CAB workbook to another.

Stdlib only (``smtplib``, ``email``, ``ssl``). The ``[delivery]`` tables of the weekly configuration::

    [delivery]
    management = ["cio@example.com"]       # gets the management PDF
    cab = ["cab@example.com"]              # gets the CAB workbook
    max_attachment_mb = 10                 # larger: no attachment, "the reports are at PATH"
    report_url_base = "https://intranet.example.com/viosaudit/"   # optional: link instead of a path

    [delivery.smtp]
    host = "smtp.example.com"
    port = 587                             # default: 587 starttls, 465 tls, 25 none
    security = "starttls"                  # "starttls", "tls" (implicit TLS) or "none" (loopback only)
    ca_file = "/etc/viosaudit/internal-ca.pem"   # optional: an internal CA to verify the server with
    username = "viosaudit"
    password_env = "VIOSAUDIT_SMTP_PASSWORD"     # or password_file (0600/0400, owned by the service user)
    from = "viosaudit@example.com"

The server's certificate is always verified (``ssl.create_default_context``). A password is never read
from the configuration: it comes from an environment variable or from a file only the service user
can read; it is held in a ``Secret`` and never logged.
"""

from __future__ import annotations

import ipaddress
import mimetypes
import os
import smtplib
import socket
import ssl
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import msgspec

from viosaudit.config import Secret
from viosaudit.errors import ConfigError, DeliveryError
from viosaudit.schema import convert


class Security(StrEnum):
    """How the session with the mail server is protected."""

    STARTTLS = "starttls"  # plain connection upgraded before anything is said (port 587)
    TLS = "tls"  # implicit TLS from the first byte (port 465)
    NONE = "none"  # clear text: only to a relay on this machine


SECURITY = tuple(s.value for s in Security)
DEFAULT_PORT = {Security.STARTTLS: 587, Security.TLS: 465, Security.NONE: 25}
REFUSED_KEYS = frozenset({"password", "passwd", "pass", "secret"})  # a secret's value never sits in the file
Address = Annotated[str, msgspec.Meta(min_length=3, pattern=r"^[^@\s<>,;]+@[^@\s<>,;]+$")]
Text = Annotated[str, msgspec.Meta(min_length=1)]
MIB = 1024 * 1024


class SmtpTable(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, rename={"sender": "from"}):
    """``[delivery.smtp]``."""

    host: Text
    sender: Address
    port: Annotated[int, msgspec.Meta(ge=1, le=65535)] | None = None
    security: Security = Security.STARTTLS
    ca_file: Text | None = None
    username: Text | None = None
    password_env: Text | None = None
    password_file: Text | None = None
    timeout: Annotated[float, msgspec.Meta(gt=0)] = 60.0


class DeliveryTable(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """``[delivery]``."""

    smtp: SmtpTable
    management: list[Address] = msgspec.field(default_factory=list)
    cab: list[Address] = msgspec.field(default_factory=list)
    max_attachment_mb: Annotated[float, msgspec.Meta(gt=0)] = 10.0
    report_url_base: Text | None = None


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int
    security: Security
    sender: str
    username: str | None = None
    password: Secret | None = None
    ca_file: Path | None = None
    timeout: float = 60.0

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    smtp: SmtpSettings
    management: tuple[str, ...]
    cab: tuple[str, ...]
    max_attachment_bytes: int
    report_url_base: str | None = None


@dataclass(frozen=True, slots=True)
class Letter:
    """One message to send: who, what it says, and the report it carries (None: the path is in the body)."""

    kind: str  # "management" or "cab"
    to: tuple[str, ...]
    subject: str
    body: str
    attachment: Path | None = None


def load_delivery(table: Mapping[str, Any], where: str, env: Mapping[str, str] | None = None) -> DeliverySettings:
    """The ``[delivery]`` table checked, with its password resolved; raises ``ConfigError``.

    Called before anything is collected, so a broken delivery set-up fails the run at once (exit 2).
    """
    env = os.environ if env is None else env
    _refuse_password(table, f"{where}: delivery")
    document = convert(dict(table), DeliveryTable, f"{where}: [delivery]", ConfigError, choices={"security": SECURITY})
    smtp = document.smtp
    if not document.management and not document.cab:
        raise ConfigError(f"{where}: [delivery] lists no recipient; set management = [...] and/or cab = [...]")
    if smtp.security is Security.NONE and not is_loopback(smtp.host):
        raise ConfigError(
            f'{where}: [delivery.smtp] security = "none" is allowed only to a mail relay on this machine '
            f'(127.0.0.1, ::1, localhost), not {smtp.host!r}; use "starttls" or "tls"'
        )
    if smtp.password_env and smtp.password_file:
        raise ConfigError(f"{where}: [delivery.smtp]: give password_env or password_file, not both")
    password: Secret | None = None
    if smtp.password_env:
        if not env.get(smtp.password_env):
            raise ConfigError(
                f"{where}: [delivery.smtp] password_env names {smtp.password_env}, which is not set; export it "
                "in the service's environment (see docs/weekly.md)"
            )
        password = Secret(env[smtp.password_env])
    elif smtp.password_file:
        password = read_password_file(_expand(smtp.password_file, env), where, env)
    if password is not None and not smtp.username:
        raise ConfigError(f"{where}: [delivery.smtp] has a password but no username to log in with")
    if smtp.username and password is None:
        raise ConfigError(
            f"{where}: [delivery.smtp] username {smtp.username!r} needs password_env or password_file "
            "(a password is never written in the configuration)"
        )
    ca_file = Path(smtp.ca_file).expanduser() if smtp.ca_file else None
    if ca_file is not None and not ca_file.is_file():
        raise ConfigError(f"{where}: [delivery.smtp] ca_file {ca_file}: no such file")
    settings = SmtpSettings(
        host=smtp.host,
        port=smtp.port or DEFAULT_PORT[smtp.security],
        security=smtp.security,
        sender=smtp.sender,
        username=smtp.username,
        password=password,
        ca_file=ca_file,
        timeout=smtp.timeout,
    )
    return DeliverySettings(
        smtp=settings,
        management=tuple(document.management),
        cab=tuple(document.cab),
        max_attachment_bytes=int(document.max_attachment_mb * MIB),
        report_url_base=document.report_url_base,
    )


def _refuse_password(value: Any, trail: str) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if str(key).lower() in REFUSED_KEYS:
                raise ConfigError(
                    f"{trail}.{key} is not allowed: passwords are never read from the configuration file; "
                    "set password_env to the name of an environment variable, or password_file to a file only "
                    "the service user can read (0600)"
                )
            _refuse_password(item, f"{trail}.{key}")


def _expand(text: str, env: Mapping[str, str]) -> Path:
    """``${CREDENTIALS_DIRECTORY}/smtp-password`` and ``~`` expanded (systemd's LoadCredential=)."""
    for name in ("CREDENTIALS_DIRECTORY",):
        if env.get(name):
            text = text.replace(f"${{{name}}}", env[name]).replace(f"${name}", env[name])
    if "$" in text:
        raise ConfigError(f"password_file {text!r}: names an environment variable that is not set")
    return Path(text).expanduser()


def read_password_file(path: Path, where: str, env: Mapping[str, str] | None = None) -> Secret:
    """The password in ``path``, which must be a regular file owned by us and unreadable by others.

    A systemd credential (a file in ``$CREDENTIALS_DIRECTORY``, which systemd makes readable by the
    service alone, possibly root-owned with an ACL for the service user) is trusted as it is.
    """
    env = os.environ if env is None else env
    credentials = env.get("CREDENTIALS_DIRECTORY")
    systemd_credential = bool(credentials) and path.resolve().parent == Path(str(credentials)).resolve()
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        raise ConfigError(f"{where}: [delivery.smtp] password_file {path}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"{where}: [delivery.smtp] password_file {path}: not a regular file")
        if not systemd_credential and info.st_uid != os.geteuid():
            raise ConfigError(
                f"{where}: [delivery.smtp] password_file {path}: owned by uid {info.st_uid}, not by the user "
                f"running viosaudit (uid {os.geteuid()}); refused"
            )
        if not systemd_credential and info.st_mode & 0o077:
            raise ConfigError(
                f"{where}: [delivery.smtp] password_file {path}: mode {stat.S_IMODE(info.st_mode):04o} lets "
                f"others read it; refused (chmod 600 {path})"
            )
        with os.fdopen(os.dup(fd), "rb") as handle:
            data = handle.read(4096)
    finally:
        os.close(fd)
    try:
        text = data.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        raise ConfigError(f"{where}: [delivery.smtp] password_file {path} is not UTF-8 text") from None
    if not text:
        raise ConfigError(f"{where}: [delivery.smtp] password_file {path} is empty")
    return Secret(text)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def compose(letter: Letter, sender: str, *, domain: str | None = None) -> EmailMessage:
    """The message for a letter: plain-text body, the report attached with its MIME type."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(letter.to)
    message["Subject"] = letter.subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid("viosaudit", domain=domain or sender.rpartition("@")[2])
    message.set_content(letter.body)
    if letter.attachment is not None:
        kind = mimetypes.guess_type(letter.attachment.name)[0] or "application/octet-stream"
        maintype, _, subtype = kind.partition("/")
        message.add_attachment(
            letter.attachment.read_bytes(), maintype=maintype, subtype=subtype, filename=letter.attachment.name
        )
    return message


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """Certificate and host name verified; an internal CA added when the site names one."""
    return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)


def send(settings: SmtpSettings, letters: Sequence[Letter]) -> None:
    """Send every letter over one SMTP session; any failure raises ``DeliveryError`` naming the server.

    The error text holds the server's reply, never the password.
    """
    try:
        with _session(settings) as session:
            for letter in letters:
                message = compose(letter, settings.sender)
                refused = session.send_message(message, from_addr=settings.sender, to_addrs=list(letter.to))
                if refused:
                    who = ", ".join(f"{addr} ({code} {_reply(text)})" for addr, (code, text) in refused.items())
                    raise DeliveryError(f"{settings.where}: the {letter.kind} report was refused for {who}")
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(
            f"{settings.where}: the mail server refused the login of {settings.username!r} "
            f"({exc.smtp_code} {_reply(exc.smtp_error)}); check the account and the password source"
        ) from None
    except smtplib.SMTPNotSupportedError as exc:
        raise DeliveryError(f"{settings.where}: {exc}") from None
    except smtplib.SMTPRecipientsRefused as exc:
        who = ", ".join(f"{addr} ({code} {_reply(text)})" for addr, (code, text) in exc.recipients.items())
        raise DeliveryError(f"{settings.where}: every recipient was refused: {who}") from None
    except smtplib.SMTPResponseException as exc:
        said = f"{exc.smtp_code} {_reply(exc.smtp_error)}"
        raise DeliveryError(f"{settings.where}: the mail server said {said}") from None
    except ssl.SSLError as exc:
        raise DeliveryError(
            f"{settings.where}: TLS failed ({exc.reason or exc}); for an internal CA set [delivery.smtp] ca_file"
        ) from None
    except (smtplib.SMTPException, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc) or type(exc).__name__
        raise DeliveryError(f"{settings.where}: cannot deliver the reports: {reason}") from None


class _session:
    """An open, secured and logged-in SMTP session (a context manager that always says QUIT)."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> smtplib.SMTP:
        s = self.settings
        local = socket.getfqdn()
        if s.security is Security.TLS:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                s.host, s.port, local_hostname=local, timeout=s.timeout, context=tls_context(s.ca_file)
            )
        else:
            smtp = smtplib.SMTP(s.host, s.port, local_hostname=local, timeout=s.timeout)
        self.smtp = smtp
        try:
            smtp.ehlo()
            if s.security is Security.STARTTLS:
                if not smtp.has_extn("starttls"):
                    raise DeliveryError(f"{s.where}: the mail server does not offer STARTTLS; not sending in clear")
                smtp.starttls(context=tls_context(s.ca_file))
                smtp.ehlo()
            if s.username and s.password is not None:
                _login(smtp, s.username, s.password, s.where)
        except BaseException:
            self._close()
            raise
        return smtp

    def __exit__(self, *exc: object) -> None:
        self._close()

    def _close(self) -> None:
        if self.smtp is None:
            return
        try:
            self.smtp.quit()
        except (smtplib.SMTPException, OSError):
            self.smtp.close()
        self.smtp = None


def _login(smtp: smtplib.SMTP, user: str, password: Secret, where: str) -> None:
    """One login attempt, PLAIN (else LOGIN), inside TLS or on loopback: a refused password is not tried
    again with the next mechanism (``smtplib.login`` would), so a wrong password costs one failure on
    the account, not three."""
    offered = smtp.esmtp_features.get("auth", "").upper().split()
    mechanism = next((m for m in ("PLAIN", "LOGIN") if m in offered), None)
    if mechanism is None:
        raise DeliveryError(
            f"{where}: the mail server offers no PLAIN or LOGIN authentication "
            f"(it offers: {' '.join(offered) or 'none'})"
        )
    smtp.user, smtp.password = user, password.reveal()
    try:
        code, reply = smtp.auth(mechanism, getattr(smtp, f"auth_{mechanism.lower()}"), initial_response_ok=True)
    finally:
        smtp.password = ""
    if code not in (235, 503):
        raise smtplib.SMTPAuthenticationError(code, reply)


def _reply(value: bytes | str) -> str:
    text = value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value)
    return " ".join(text.split())
