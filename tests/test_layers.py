"""The package's layers hold: each imports only those below it, and no package has a cycle.

The contracts are in pyproject.toml ([tool.importlinter]); import-linter checks
every import, including those inside functions.
"""

import shutil
import subprocess

from conftest import ROOT


def test_import_contracts_are_kept():
    lint = shutil.which("lint-imports") or str(ROOT / ".venv" / "bin" / "lint-imports")
    result = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout
