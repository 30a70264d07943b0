"""Private files: everything viosaudit writes is 0600 (folders 0700) whatever the umask, and whole.

Snapshots, reports and evidence describe an estate's weak spots, so nobody but the owner may read
them. A file is written to a temporary name in its own folder and renamed into place, so a reader (or
a second run) never sees half of it; ``folder_lock`` serialises runs that write into one folder.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700
LOCK_NAME = ".viosaudit.lock"


def private_dir(path: Path) -> Path:
    """Create ``path`` and every missing parent as 0700 (an existing folder keeps its mode)."""
    missing: list[Path] = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another thread or run made it meanwhile
            folder.mkdir(mode=DIR_MODE)
            folder.chmod(DIR_MODE)  # mkdir's mode is masked by the umask; chmod is not
    if not path.is_dir():
        raise NotADirectoryError(20, "not a folder", str(path))
    return path


def write_private(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` whole: a 0600 temporary file in the same folder, then a rename."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    tmp = Path(name)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def staging_dir(parent: Path) -> Path:
    """A new private folder inside ``parent`` for files that are renamed into ``parent`` together."""
    return Path(tempfile.mkdtemp(dir=parent, prefix=".viosaudit-", suffix=".part"))


class FolderBusy(OSError):
    """Another process holds the folder's lock for longer than we were willing to wait."""


@contextlib.contextmanager
def folder_lock(folder: Path, *, wait: float = 300.0) -> Iterator[None]:
    """Hold an exclusive ``fcntl`` lock on ``folder/.viosaudit.lock`` (runs into one folder take turns).

    The lock belongs to the open file, so it is released when the process ends, even by kill -9.
    """
    fd = open_lock(folder / LOCK_NAME)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise FolderBusy(
                        11, f"another viosaudit run has been writing into it for {wait:g} s", str(folder)
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)


def open_lock(path: Path) -> int:
    """The lock file's descriptor (created 0600, never truncated: another run may hold it)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, FILE_MODE)
    with contextlib.suppress(OSError):  # a lock file made by another user stays theirs
        os.fchmod(fd, FILE_MODE)
    return fd
