"""hls/synth.py drives the vendor tools: here the stand-ins of tests/fake_vendor, which check that they
are called as the real tools are and write real report files of public designs renamed to the project.
What is checked is l1cnn's side: the steps asked for, clean runs, every report collected, one-line
failures, and reports of another design refused."""
import os
import shutil

import pytest

from hls.synth import Steps, SynthesisError, build, exported_rtl
from tests.helpers import REPO, fixture

pytestmark = pytest.mark.unit

FAKE = REPO / "tests" / "fake_vendor"
DATA = REPO / "tests" / "data" / "vendor_reports"
HLS_REPORTS = fixture("hls_reports", "sparsepix_jet_qcnn16b_stream", "reports")
COSIM = DATA / "cosim_example_hls4ml" / "myproject_prj/solution1/sim/report/myproject_cosim.rpt"


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project directory as hls4ml writes it (the files the tools read), with the stand-ins on PATH."""
    root = tmp_path / "prj"
    root.mkdir()
    (root / "project.tcl").write_text('variable project_name\nset project_name "myproject"\nvariable part\n'
                                      'set part "xcvu13p-flga2577-2-e"\nvariable clock_period\nset clock_period 5\n')
    (root / "build_prj.tcl").write_text("source [file join $tcldir project.tcl]\n")
    monkeypatch.setenv("PATH", f"{FAKE}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("L1CNN_FAKE_REPORTS", str(HLS_REPORTS))
    monkeypatch.setenv("L1CNN_FAKE_COSIM", str(COSIM))
    monkeypatch.setenv("L1CNN_FAKE_FIXTURES", str(fixture()))
    return root


def test_all_steps_collected(project):
    rep = build(project, "vitis_hls", Steps(cosim=True, implementation=True))
    assert rep["steps"] == ["csynth", "cosim", "implementation"]
    assert rep["top"] == "myproject" and rep["part"] == "xcvu13p-flga2577-2-e"
    assert rep["latency"]["max_cycles"] == 8390 and rep["cosim"]["latency"]["max_cycles"] == 10
    assert rep["post_synthesis"]["hierarchical"] and rep["post_synthesis"]["LUT"]["used"] == 88306
    assert rep["post_implementation"]["stage"] == "routed" and rep["post_implementation"]["instances"]
    assert rep["timing"]["stage"] == "routed" and rep["timing"]["wns_ns"] == 7.037  # routed beats synthesized
    assert rep["power"]["total_w"] == 3.566
    # l1cnn's Vivado script is in the project, run on the Verilog C synthesis exported
    assert (project / "l1cnn_vivado.tcl").read_text() == (REPO / "hls/vivado_flow.tcl").read_text()
    assert exported_rtl(project) == project / "myproject_prj/solution1/syn/verilog"
    assert "vsynth 0" in (project / "build_opt.tcl").read_text() and "cosim 1" in (project / "build_opt.tcl").read_text()


def test_a_later_run_does_not_reuse_earlier_reports(project):
    build(project, "vitis_hls", Steps(logic_synthesis=True))
    rep = build(project, "vitis_hls", Steps())  # C synthesis only now: no Vivado figures may remain
    assert rep["post_synthesis"] is None and rep["timing"] is None and rep["steps"] == ["csynth"]
    assert not (project / "vivado_reports").exists()


def test_failures_are_one_line(project, monkeypatch, tmp_path):
    monkeypatch.setenv("L1CNN_FAKE_FAIL", "1")
    with pytest.raises(SynthesisError, match=r"vitis_hls failed on .* \(exit code 1\); see .*build_stdout.log"):
        build(project, "vitis_hls", Steps())
    monkeypatch.delenv("L1CNN_FAKE_FAIL")
    empty = tmp_path / "empty.rpt"  # the co-simulation 'ran' but left a report with no table
    empty.write_text("Report time       : today.\n")
    monkeypatch.setenv("L1CNN_FAKE_COSIM", str(empty))
    with pytest.raises(SynthesisError, match="wrote no co-simulation report"):
        build(project, "vitis_hls", Steps(cosim=True))
    monkeypatch.setenv("PATH", os.environ["PATH"].replace(str(FAKE), str(tmp_path / "none")))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shutil.copy(FAKE / "vitis_hls", bin_dir)  # an HLS tool but no vivado
    shutil.copy(FAKE / "_standin.py", bin_dir)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(SynthesisError, match="need `vivado` on PATH"):
        build(project, "vitis_hls", Steps(implementation=True))


def test_reports_of_another_design_are_refused(project, monkeypatch):
    """The tool wrote reports naming another part than the project's (a run for another board): one line."""
    monkeypatch.setenv("L1CNN_FAKE_PART", "xcku15p-ffve1517-1-i")
    with pytest.raises(Exception, match="is a report for part xcku15p-ffve1517-1-i, not for this design's part "
                                        "xcvu13p-flga2577-2-e") as info:
        build(project, "vitis_hls", Steps())
    assert "\n" not in str(info.value)
