"""`l1cnn bench`: every engine timed on the same inputs, side by side, with identical outputs required.
The throughput figures themselves are make bench's (reports/bench.json), not asserted here."""

import numpy as np
import pytest


@pytest.mark.integration
def test_bench_times_every_engine_on_one_project(tmp_path):
    from hls.convert import write_project
    from hls.prepare import prepare
    from hls.settings import DEFAULTS
    from l1cnn.commands.bench import ENGINES, TARGETS, bench_case, machine, markdown
    from tests.helpers import inputs, random_model

    model = random_model(11)
    project = tmp_path / "prj"
    write_project(prepare(model), DEFAULTS, project, stamp="0badcafe")
    res = bench_case("random", project, model, inputs(256, 5), repeats=2, jobs=2, log=lambda msg: None)
    assert list(res["engines"]) == list(ENGINES)
    for r in res["engines"].values():
        assert len(r["seconds"]) == 2 and r["min_s"] <= r["median_s"] <= r["max_s"]
        assert r["samples_per_s"] == pytest.approx(256 / r["median_s"])
    assert all(res["identical_to_hls4ml_predict"].values())
    c = res["compile_s"]
    assert c["l1cnn_cached"] < c["l1cnn_first_build"] / 10  # reused, not rebuilt
    rate = {k: r["samples_per_s"] for k, r in res["engines"].items()}
    assert res["ratios"]["emulator_over_hls4ml_predict"] == pytest.approx(rate["emulator"] / rate["hls4ml_predict"])
    assert not (project / ".csim").exists()  # the bench compiles copies: the user's project is untouched
    md = markdown({"machine": machine(), "cases": [res]})
    assert all(label in md for label in ENGINES.values()) and all(k.replace("_", " ") in md for k in TARGETS)


@pytest.mark.unit
def test_bench_refuses_engines_that_disagree():
    from l1cnn.commands.bench import _identical

    y = np.arange(12.0).reshape(6, 2) / 8
    same = {"hls4ml_predict": y, "csim_1_process": y.copy(), "csim_parallel": y.copy(), "emulator": y.copy()}
    assert all(_identical(same).values())
    off = dict(same, emulator=y + np.eye(6, 2) / 64)
    assert _identical(off) == {"csim_1_process": True, "csim_parallel": True, "emulator": False}


@pytest.mark.integration
def test_bench_without_projects_says_what_to_run(tmp_path):
    from tests.helpers import one_line_error, run_cli

    r = run_cli("bench", "--model", "jet_cnn", "--no-external", home=tmp_path)
    one_line_error(r, "make convert MODEL=jet_cnn")
    assert not (tmp_path / "reports").exists()
