import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# Each test module declares its marker (pytestmark): unit (fast, no compile), integration
# (compiles hls4ml projects or runs generators), e2e (whole pipeline runs of the CLI).
MARKERS = ("unit", "integration", "e2e")


def pytest_collection_modifyitems(config, items):
    """Every test carries exactly one of the markers, so `pytest -m unit` selects what it promises."""
    for item in items:
        marks = {m.name for m in item.iter_markers()} & set(MARKERS)
        if len(marks) != 1:
            raise pytest.UsageError(f"{item.nodeid} must carry exactly one of the markers {MARKERS} "
                                    f"(got {sorted(marks) or 'none'})")


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty L1CNN_HOME so tests never touch the repo's data/, artifacts/ or reports/."""
    monkeypatch.setenv("L1CNN_HOME", str(tmp_path))
    return tmp_path
