import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

# `viosaudit report` records each run in the history store by default: the suite must never write into
# the user's real data folder. Every test (and every subprocess it starts) gets a throwaway store.
_HISTORY_HOME = tempfile.mkdtemp(prefix="viosaudit-test-history-")
os.environ["VIOSAUDIT_DB"] = str(Path(_HISTORY_HOME) / "history.sqlite")
os.environ["XDG_DATA_HOME"] = _HISTORY_HOME


import hashlib  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _own_history_store(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with an empty history store of its own (a test's runs never meet another's)."""
    name = hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:16]
    monkeypatch.setenv("VIOSAUDIT_DB", str(Path(_HISTORY_HOME) / f"{name}.sqlite"))
