"""End to end on real (few) Pythia jets: data -> train -> prune -> convert -> csim -> synth -> report.

The bar is the product's: the quantized+pruned firmware's C simulation equals
QKeras bit for bit on every test sample.
"""

import json
import re
import shutil
import subprocess

import numpy as np
import pytest

from tests.helpers import TEST_CONFIGS, run_cli

pytestmark = pytest.mark.e2e

TINY = TEST_CONFIGS / "tiny_jet.yaml"


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    r = run_cli("all", "--model", TINY, home=home)
    assert r.returncode == 0, r.stderr[-3000:]
    return home, r


def test_report_keys_and_bit_exactness(pipeline):
    home, _ = pipeline
    s = json.loads((home / "reports/tiny_jet/summary.json").read_text())
    cs = s["csim"]
    assert cs["n_samples"] == s["dataset"]["n_test"] == 96
    assert cs["bit_exact_fraction"] == 1.0 and cs["max_abs_diff"] == 0.0 and cs["argmax_agreement"] == 1.0
    assert cs["first_mismatch_layer"] is None
    assert s["dataset"]["n_train"] + s["dataset"]["n_val"] + s["dataset"]["n_test"] == 320
    for variant in ("keras_float", "keras_qat", "keras_pruned", "csim_pruned", "csim_float"):
        assert 0.0 <= s["performance"][variant]["auc"] <= 1.0
    assert s["performance"]["csim_pruned"]["auc"] == s["performance"]["keras_pruned"]["auc"]
    assert s["baselines"]["abs_mass_minus_175"]["auc"] > 0.75  # real top jets have a real mass peak
    assert 0.3 < s["sparsity"]["overall"] < 0.8  # target 0.5, reached on the quantized weights
    assert [r["name"] for r in s["layers"]][:3] == ["conv1", "relu1", "avgpool1"]
    assert s["synthesis"]["vendor_tool"] is None and "no vendor HLS tool found" in s["synthesis"]["message"]
    for variant in ("pruned", "float"):  # without a vendor tool: the offline estimate, labelled as such
        r = s["resources"][variant]
        assert r["source"] == "estimate" and r["ii_cycles"] >= 1 and r["latency_cycles"] >= r["ii_cycles"]
        assert r["lut"] > 0 and r["dsp"] >= 0
    assert s["resources"]["pruned"]["lut"] < s["resources"]["float"]["lut"]  # 4-6 bit vs 16 bit arithmetic
    rtl = s["rtl"]  # the open RTL flow: Verilator on every test sample, Yosys counts, its own verdict
    assert rtl["status"] == "done" and set(rtl["variants"]) == {"pruned", "qat"}
    for variant, r in rtl["variants"].items():
        for ref in ("keras", "csim", "emulator"):
            assert r[ref]["n_samples"] == 96 and r[ref]["n_mismatched"] == 0, (variant, ref, r[ref])
        if variant == "qat":  # simulated only (rtl.synthesize defaults to the deliverable)
            assert r["synthesis"] is None and "rtl_qat" not in s["resources"]
            continue
        assert r["synthesis"]["counts"]["lut"] > 0 and r["synthesis"]["tool"].startswith("yosys")
        res = s["resources"][f"rtl_{variant}"]
        assert res["source"] == "yosys" and res["ii_cycles"] == 1 and res["lut"] == r["synthesis"]["counts"]["lut_total"]
        assert s["level1_verdict"][f"rtl_{variant}"]["source"] == "yosys"
    assert (home / "firmware_projects/tiny_jet/rtl/pruned/src/l1cnn_top.v").exists()
    assert "## Open RTL flow" in (home / "reports/tiny_jet/report.md").read_text()
    for f in ("report.md", "roc.png"):
        assert (home / "reports/tiny_jet" / f).stat().st_size > 500
    for variant in ("pruned", "float"):
        prj = home / "firmware_projects/tiny_jet" / variant
        assert (prj / "firmware/myproject.cpp").exists() and (prj / "hls4ml_config.yml").exists()
        assert str(prj.resolve()) in (prj / "hls4ml_config.yml").read_text()  # points at itself, not a temp dir


def test_second_run_reuses_every_artifact(pipeline):
    home, _ = pipeline
    files = [p for d in ("data", "artifacts", "firmware_projects") for p in (home / d).rglob("*") if p.is_file()]
    before = {p: p.stat().st_mtime_ns for p in files}
    r = run_cli("all", "--model", TINY, home=home)
    assert r.returncode == 0, r.stderr[-2000:]
    for stage in ("data", "train", "prune", "convert", "csim", "synth", "rtl"):
        lines = [l for l in r.stderr.splitlines() if l.startswith(f"[{stage}]")]
        assert lines and all("up to date" in l for l in lines), (stage, lines)
    after = {p: p.stat().st_mtime_ns for p in files}
    assert len(files) > 20 and before == after  # nothing rewritten: every stage reused its artifact


def test_corrupt_data_file_is_refused_without_damage(pipeline, tmp_path):
    home, _ = pipeline
    copy = tmp_path / "home"
    shutil.copytree(home, copy)
    data = next((copy / "data").glob("*.h5"))
    data.write_bytes(data.read_bytes()[:4096])  # truncated file
    model = copy / "artifacts/tiny_jet/qat.h5"
    model_bytes = model.read_bytes()
    r = run_cli("train", "--force", "--model", TINY, home=copy)
    assert r.returncode == 2
    last = r.stderr.strip().splitlines()[-1]
    assert "unreadable or incomplete" in last and "make data MODEL=tiny_jet" in last
    assert "Traceback" not in r.stderr
    assert model.read_bytes() == model_bytes


def test_firmware_is_deterministic(pipeline, tmp_path):
    """Same model -> same firmware sources and weights (hls4ml's random stamp is replaced)."""
    home, _ = pipeline
    copy = tmp_path / "home"
    shutil.copytree(home, copy, ignore=shutil.ignore_patterns("*.so"))
    r = run_cli("convert", "--force", "--model", TINY, home=copy)
    assert r.returncode == 0, r.stderr[-2000:]
    a_dir, b_dir = home / "firmware_projects/tiny_jet/pruned", copy / "firmware_projects/tiny_jet/pruned"
    files = [p.relative_to(a_dir) for p in (a_dir / "firmware").rglob("*") if p.is_file() and p.suffix != ".so"]
    assert len(files) > 10
    for rel in files:
        assert (a_dir / rel).read_bytes() == (b_dir / rel).read_bytes(), rel


def test_test_logits_cover_all_variants(pipeline):
    home, _ = pipeline
    with np.load(home / "artifacts/tiny_jet/test_logits.npz") as z:
        assert np.array_equal(z["keras_pruned"], z["csim_pruned"])
        assert z["keras_float"].shape == (96, 2)


def test_vendor_synthesis_path_with_a_stand_in_tool(pipeline, tmp_path):
    """Stand-in vitis_hls and vivado on PATH write real report files (renamed to the project); synth runs
    C synthesis, co-simulation, Vivado synthesis and implementation, parses every report, and the report
    judges the most final figures (post-route, co-simulated latency, achieved clock), per layer too."""
    import os

    from hls.vendor_reports import parse
    from tests.helpers import REPO, fixture

    home, _ = pipeline
    copy = tmp_path / "home"
    shutil.copytree(home, copy, ignore=shutil.ignore_patterns("*.so", "rtl"))
    hls_fixture = fixture("hls_reports", "sparsepix_jet_qcnn16b_stream", "reports")
    env = {"PATH": f"{REPO / 'tests/fake_vendor'}{os.pathsep}{os.environ['PATH']}",
           "L1CNN_FAKE_REPORTS": str(hls_fixture),
           "L1CNN_FAKE_COSIM": str(REPO / "tests/data/vendor_reports/cosim_lfads/myproject_prj/solution1/sim/"
                                          "report/myproject_cosim.rpt")}
    # `make synth` asks for every step the tools on PATH can do: co-simulation, Vivado implementation
    r = subprocess.run(["make", "synth", f"MODEL={TINY}"], cwd=REPO, capture_output=True, text=True,
                       env={**os.environ, **env, "L1CNN_HOME": str(copy)}, timeout=1200)
    assert r.returncode == 0, (r.stdout[-2000:], r.stderr[-2000:])
    assert f"synth --model {TINY} --cosim --implementation" in r.stdout
    syn = json.loads((copy / "artifacts/tiny_jet/synth.json").read_text())
    assert syn["vendor_tool"] == "vitis_hls" and syn["steps"] == ["csynth", "cosim", "implementation"]
    real = parse(hls_fixture)
    for variant in ("pruned", "float"):
        rep = syn["variants"][variant]
        project = copy / "firmware_projects/tiny_jet" / variant
        assert rep["top"] == "myproject" and rep["latency"]["max_cycles"] == real["latency"]["max_cycles"] == 8390
        assert rep["cosim"]["status"] == "pass" and rep["cosim"]["latency"]["max_cycles"] == 5477
        assert rep["post_synthesis"]["LUT"]["used"] == 88306 and len(rep["post_synthesis"]["instances"]) > 4
        assert rep["post_implementation"]["stage"] == "routed" and rep["post_implementation"]["LUT"]["used"] == 7722
        assert rep["timing"]["stage"] == "routed" and rep["timing"]["wns_ns"] is not None
        assert rep["power"]["total_w"] == 3.566
        assert (project / "vivado_reports/routed_timing_summary.rpt").exists()
        assert (project / "build_stdout.log").exists() and (project / "vivado_stdout.log").exists()
    r = run_cli("report", "--model", TINY, home=copy, env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    s = json.loads((copy / "reports/tiny_jet/summary.json").read_text())
    res, v = s["resources"]["pruned"], s["level1_verdict"]["pruned"]
    assert res["source"] == "vivado-impl" and res["lut"] == 7722
    assert res["ii_cycles"] == real["interval"]["max_cycles"] == 4340  # co-simulation measured no interval ('NA')
    assert res["sources"] == {"resources": "vivado-impl", "latency": "cosim", "ii": "vivado-hls",
                              "timing": "vivado-impl"}
    assert res["latency_cycles"] == 5477 and v["sources"]["latency"] == "cosim"
    items = {i["item"]: i for i in v["items"]}
    assert items["clock period achieved"]["value"] == res["achieved_period_ns"]
    assert items["co-simulation"]["pass"] and not items["initiation interval"]["pass"]  # a stream CNN's II
    # per layer: the vendor's rows of each layer (instance names carry its config struct) beside the estimate
    rows = s["per_layer"]["pruned"]
    matched = [r for r in rows if "vivado_synth" in r]
    assert matched and all("estimate" in r for r in rows)
    for row in matched:
        want = [i for i in real["post_synthesis"]["instances"]
                if re.search(rf"(^|_){row['config']}(_|$)|^layer{re.sub(r'[^0-9]', '', row['config'])}_out", i["instance"])]
        assert row["vivado_synth"]["lut"] == sum(i["LUT"] for i in want)
    md = (copy / "reports/tiny_jet/report.md").read_text()
    assert "Per layer: estimate beside the vendor reports" in md and "vivado-synth LUT" in md
    assert "resources from vivado-impl, latency from cosim, II from vivado-hls, timing from vivado-impl" in md
    assert "resources.png" in s["plots"]

    r = run_cli("synth", "--force", "--model", TINY, home=copy, env={**env, "L1CNN_FAKE_FAIL": "1"})
    assert r.returncode == 2 and "vitis_hls failed" in r.stderr and "build_stdout.log" in r.stderr
    assert json.loads((copy / "artifacts/tiny_jet/synth.json").read_text())["vendor_tool"] == "vitis_hls"
    r = run_cli("synth", "--force", "--model", TINY, "--implementation", home=copy,
                env={**env, "PATH": os.environ["PATH"].replace(str(REPO / "tests/fake_vendor"), "")})
    assert r.returncode == 0  # no vendor tool at all: the estimate, the step flags say nothing to do


def test_unsupported_layer_at_convert_is_one_line_and_keeps_the_project(pipeline, tmp_path):
    """Named defect: an UnsupportedLayer raised inside `l1cnn convert` ended in a traceback."""
    import tensorflow as tf

    from tests.helpers import one_line_error

    home, _ = pipeline
    copy = tmp_path / "home"
    shutil.copytree(home, copy, ignore=shutil.ignore_patterns("*.so"))
    pruned = copy / "artifacts/tiny_jet/pruned.h5"
    old = tf.keras.models.load_model(pruned, compile=False, custom_objects=__import__(
        "models.qkeras_objects", fromlist=["qkeras_objects"]).qkeras_objects())
    squash = tf.keras.layers.Activation("tanh", name="squash")(old.output)  # a lookup table: never exact
    tf.keras.Model(old.input, squash).save(pruned)  # same stamp: convert takes it as the pruned model
    project = copy / "firmware_projects/tiny_jet/pruned/firmware/myproject.cpp"
    before = project.read_bytes()
    last = one_line_error(run_cli("convert", "--force", "--model", TINY, home=copy), "squash", "tanh")
    assert "pruned.h5" in last and project.read_bytes() == before


def test_report_checks_the_synthesis_results_it_reads(pipeline, tmp_path):
    """Named defect: a corrupt or stale synth.json reached the report as a traceback or as old figures."""
    from tests.helpers import one_line_error

    home, _ = pipeline
    copy = tmp_path / "home"
    shutil.copytree(home, copy, ignore=shutil.ignore_patterns("*.so"))
    synth = copy / "artifacts/tiny_jet/synth.json"
    stamp = copy / "artifacts/tiny_jet/synth.json.stamp.json"
    good_synth, good_stamp = synth.read_text(), stamp.read_text()
    synth.write_text(good_synth[: len(good_synth) // 2])  # truncated
    one_line_error(run_cli("report", "--model", TINY, home=copy), "synth.json", "corrupt", "l1cnn synth --force")
    synth.write_text(good_synth)
    s = json.loads(good_stamp)
    s["firmware"] = ["0" * 16] * len(s["firmware"])  # made from other firmware projects
    stamp.write_text(json.dumps(s))
    one_line_error(run_cli("report", "--model", TINY, home=copy), "synth.json", "stale")
    stamp.write_text(good_stamp)
    assert run_cli("report", "--model", TINY, home=copy).returncode == 0
