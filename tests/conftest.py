import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
TEST_CONFIGS = Path(__file__).resolve().parent / "configs"

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty L1CNN_HOME so tests never touch the repo's data/, artifacts/ or reports/."""
    monkeypatch.setenv("L1CNN_HOME", str(tmp_path))
    return tmp_path


def run_cli(*args, home=None, timeout=1200, env=None):
    """Run `l1cnn` as a user would, in a fresh process; returns CompletedProcess."""
    env = {**os.environ, **(env or {})}
    if home is not None:
        env["L1CNN_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "l1cnn.cli", *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=timeout)
