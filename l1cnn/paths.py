"""The one place for the artifact layout on disk.

    configs/<model>.yaml                     shipped model configs
    data/<generator>-<fingerprint>.h5        generated data sets (shared by models)
    artifacts/<model>/{float,qat,pruned}.h5  trained Keras models + stage stamps
    firmware_projects/<model>/<variant>/     hls4ml HLS C++ projects
    firmware_projects/<model>/rtl/<variant>/ Verilog of the open RTL flow (l1cnn rtl)
    reports/<model>/                         summary.json, report.md, plots

L1CNN_HOME moves everything but configs/ elsewhere (tests use a temp dir).
"""

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CONFIG_DIR = REPO / "configs"
SHARED_FIXTURES = REPO.parent / "shared" / "fixtures"  # beside the repo, read-only: real reports and models


def home() -> Path:
    return Path(os.environ.get("L1CNN_HOME", REPO))


def data_file(generator: str, fingerprint: str) -> Path:
    return home() / "data" / f"{generator}-{fingerprint}.h5"


def artifact_dir(model: str) -> Path:
    return home() / "artifacts" / model


def keras_model(model: str, variant: str) -> Path:
    return artifact_dir(model) / f"{variant}.h5"


def firmware_dir(model: str, variant: str) -> Path:
    return home() / "firmware_projects" / model / variant


def rtl_dir(model: str, variant: str) -> Path:
    return home() / "firmware_projects" / model / "rtl" / variant


def report_dir(model: str) -> Path:
    return home() / "reports" / model


def shown(path) -> str:
    """A path as reports show it: relative to the project home when inside it."""
    try:
        return str(Path(path).resolve().relative_to(home().resolve()))
    except ValueError:
        return str(path)
