"""The command line starts fast: the heavy renderers and SSH are imported only by the commands that use them."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("weasyprint", "openpyxl", "xlsxwriter", "paramiko", "jinja2", "pandas", "matplotlib", "sqlalchemy")


def _imported(code: str) -> list[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return list(json.loads(out.stdout.strip().splitlines()[-1]))


def test_importing_the_cli_imports_no_heavy_module():
    assert _imported("import viosaudit.cli") == []


def test_help_imports_no_heavy_module():
    code = "import contextlib, io\nfrom viosaudit.cli import main\n"
    code += "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n    main(['--help'])"
    assert _imported(code) == []


def test_the_probe_can_fail():
    assert _imported("import paramiko") == ["paramiko"]
