"""One error hierarchy for the whole product; every message says what to look at next."""

from __future__ import annotations


class ViosauditError(Exception):
    """Base of every error viosaudit raises on purpose."""


class SnapshotError(ViosauditError):
    """A snapshot folder or archive is missing, malformed or fails its checksums."""


class ParseError(ViosauditError):
    """Captured output that a parser cannot read; names the command, host and line."""

    def __init__(self, command: str, host: str, line_no: int, line: str, reason: str) -> None:
        self.command = command
        self.host = host
        self.line_no = line_no
        self.line = line
        self.reason = reason
        super().__init__(str(self))

    def __str__(self) -> str:
        shown = self.line if len(self.line) <= 120 else self.line[:117] + "..."
        return (
            f"cannot parse output of {self.command!r} from host {self.host!r}, "
            f"line {self.line_no}: {reason_text(self.reason)} (line: {shown!r})"
        )

    def located(self, *, command: str | None = None, host: str | None = None) -> ParseError:
        """Return the same error with the command and host filled in by the caller."""
        return ParseError(command or self.command, host or self.host, self.line_no, self.line, self.reason)


class HmcError(ParseError):
    """The HMC printed one of its own messages (an HSCL code, an invalid attribute...) instead of data.

    A ``ParseError`` so that every caller that handles unreadable output handles it, but reported as what
    it is: the HMC's words, with the command that drew them.
    """

    def __init__(self, command: str, host: str, line_no: int, message: str) -> None:
        self.message = message
        super().__init__(command, host, line_no, message, f"the HMC said: {message}")

    def __str__(self) -> str:
        return (
            f"the HMC said: {self.message!r} in answer to {self.command!r} on host {self.host!r} "
            f"(line {self.line_no}); no data was listed"
        )

    def located(self, *, command: str | None = None, host: str | None = None) -> HmcError:
        return HmcError(command or self.command, host or self.host, self.line_no, self.message)


def reason_text(reason: str) -> str:
    return reason.rstrip(".")


class CatalogueError(ViosauditError):
    """The APAR catalogue, lifecycle or another data file is invalid."""


class ConfigError(ViosauditError):
    """A configuration file or command-line setting is invalid."""


class CollectError(ViosauditError):
    """Collecting from a host failed; the reason becomes a gap in the snapshot."""


class AuthError(CollectError):
    """The host refused our credentials."""


class HostKeyError(CollectError):
    """The host key is unknown or has changed; we refuse to connect (strict checking)."""


class CommandTimeout(CollectError):
    """A remote command did not finish within its timeout."""


class RenderError(ViosauditError):
    """A report could not be rendered."""


class DeliveryError(ViosauditError):
    """The reports were written but could not be delivered (mail server unreachable, login refused...)."""
