"""`l1cnn estimate` on a saved model: figures labelled as an estimate, one-line errors for bad input."""

import json

import pytest

from tests.helpers import one_line_error, random_model, run_cli

pytestmark = pytest.mark.integration


def test_estimate_command(tmp_path):
    random_model(3).save(tmp_path / "m.h5")
    r = run_cli("estimate", tmp_path / "m.h5", "--json")
    assert r.returncode == 0, r.stderr[-2000:]
    e = json.loads(r.stdout)
    assert e["source"] == "estimate" and e["part"].startswith("xcvu13p")
    assert e["total"]["ii_cycles"] >= 1 and e["total"]["lut"] > 0 and len(e["layers"]) > 3
    r = run_cli("estimate", tmp_path / "m.h5", "--io-type", "io_stream", "--strategy", "Resource",
                "--reuse-factor", "5", "--json")
    assert r.returncode == 0, r.stderr[-2000:]
    e = json.loads(r.stdout)
    assert e["reuse_factor_requested"] == 5 and e["io_type"] == "io_stream"
    # named defect: --reuse-factor was silently ignored (reuse_factors_used [1]). hls4ml replaces an RF that
    # does not divide a layer's n_in*n_out (c1: 27, c2 and d1: 48) by a valid one, and l1cnn must say where
    assert e["layer_reuse_factors"] == {"c1": 3, "c2": 4, "d1": 4} and e["reuse_factors_used"] == [3, 4]
    assert "c1 5 -> 3" in e["reuse_factor_note"] and "d1 5 -> 4" in e["reuse_factor_note"]
    r = run_cli("estimate", tmp_path / "m.h5", "--part", "xc9zz999")
    one_line_error(r, "--part is not a known FPGA part", "xc9zz999")
    one_line_error(run_cli("estimate", tmp_path / "m.h5", "--clock-period", "0.1"), "--clock-period must be a number")


def test_partitioned_convs_trade_ii_for_multipliers(tmp_path):
    from hls.convert import conv_partitions

    assert [conv_partitions(n, 4) for n in (100, 9, 256, 7)] == [4, 3, 4, 1]
    random_model(3).save(tmp_path / "m.h5")
    runs = {ii: json.loads(run_cli("estimate", tmp_path / "m.h5", "--max-ii-cycles", ii, "--json").stdout)
            for ii in (1, 4)}
    conv = {ii: [l for l in e["layers"] if l["function"].startswith("conv")][0] for ii, e in runs.items()}
    assert conv[1]["ii_cycles"] == 1 and conv[4]["ii_cycles"] > 1
    assert conv[4]["n_mult"] * conv[4]["ii_cycles"] == conv[1]["n_mult"]  # same work over more cycles


def test_estimate_of_a_project_directory_and_bad_paths(tmp_path):
    """`l1cnn estimate DIR` reads anyone's written hls4ml project; a folder that is none is one line."""
    from tests.helpers import fixture

    r = run_cli("estimate", fixture("hls_reports", "seanlipps_har_conv1d_stream", "model"), "--json")
    assert r.returncode == 0, r.stderr[-2000:]
    e = json.loads(r.stdout)
    assert e["part"] == "xcu250-figd2104-2L-e" and e["io_type"] == "io_stream" and e["intervals"]
    one_line_error(run_cli("estimate", tmp_path), "is not an hls4ml project", "firmware/parameters.h")
    one_line_error(run_cli("calibrate", "--fixtures", tmp_path / "none"), "--fixtures", "is not a directory")
