"""The scan's parts that need no training: the `scan:` section's validation, a point's config, the
search order, the store, the Pareto analysis and the best point's choice, the cluster section."""

import copy
import sqlite3
from dataclasses import replace

import pytest
import yaml

from common.errors import ConfigError
from l1cnn import config
from l1cnn.config import validate
from l1cnn.config.scan import derive
from l1cnn.config.schema import as_raw
from l1cnn.errors import UserError
from l1cnn.scan import results, search
from l1cnn.scan.store import Store
from models.builder import walk
from tests.helpers import TEST_CONFIGS

pytestmark = pytest.mark.unit

SCAN_CONFIG = TEST_CONFIGS / "tiny_scan.yaml"


def raw_jet():
    return yaml.safe_load((config.CONFIG_DIR / "jet_cnn.yaml").read_text())


@pytest.mark.parametrize("path", [config.CONFIG_DIR / "jet_cnn.yaml", config.CONFIG_DIR / "calo_pid.yaml",
                                  SCAN_CONFIG, TEST_CONFIGS / "tiny_calo.yaml"])
def test_as_raw_round_trips(path):
    cfg = config.load(path)
    assert validate(as_raw(cfg), cfg.source) == replace(cfg, scan=None)  # as_raw writes no scan section


def test_shipped_scans_are_valid():
    for name in ("jet_cnn", "calo_pid"):
        scan = config.load(name).scan
        assert scan.method == "nsga2" and scan.points >= 30 and scan.grid_size() > scan.points


def test_derive_sets_every_kind_of_parameter():
    cfg = config.load("jet_cnn")
    raw = derive(cfg, cfg.scan, {"weight_bits": 5, "activation_bits": 7, "filters.conv1": 2, "units.dense1": 12,
                                 "target_sparsity": 0.7, "max_ii_cycles": 2})
    new = validate(raw, "derived")
    layers = {name: args for _, args, name in walk(new.architecture)}
    assert all(layers[n]["weight"] == "ap_fixed<5,1>" for n in ("conv1", "conv2", "dense1", "dense2"))
    assert all(layers[n]["format"] == "ap_ufixed<7,3>" for n in ("relu1", "relu2", "relu3"))
    assert layers["conv1"]["filters"] == 2 and layers["conv2"]["filters"] == 8 and layers["dense1"]["units"] == 12
    assert new.pruning.target_sparsity == 0.7 and new.hls.max_ii_cycles == 2
    assert new.training.epochs == cfg.scan.training["epochs"] and new.pruning.epochs == cfg.scan.pruning["epochs"]
    assert new.quantization.weight == "ap_fixed<5,1>" and new.dataset == cfg.dataset
    one = validate(derive(cfg, cfg.scan, {"activation_bits.relu2": 5}), "derived")
    widths = [args["format"] for kind, args in one.architecture if kind == "relu"]
    assert widths == ["ap_ufixed<8,3>", "ap_ufixed<5,3>", "ap_ufixed<8,3>"]


BAD = [
    ({"space": {}}, "scan.space is empty"),
    ({"space": {"filters": [2, 4]}}, "scan.space.filters must map a layer name"),
    ({"space": {"filters": {"conv9": [2]}}}, "scan.space.filters.conv9 names no layer"),
    ({"space": {"filters": {"conv1": [0, 2]}}}, "scan.space.filters.conv1[0] must be an integer >= 1"),
    ({"space": {"weight_bits": [1, 4]}}, "scan.space.weight_bits[0] must be an integer >= 2"),
    ({"space": {"units": {"dense2": [4]}}}, "scan.space.units.dense2 names no layer"),
    ({"space": {"weight_bits": []}}, "scan.space.weight_bits is an empty list"),
    ({"space": {"weight_bits": [4, 4]}}, "lists a value twice"),
    ({"space": {"target_sparsity": {"min": 0.6, "max": 0.2, "step": 0.1}}}, "is an empty range"),
    ({"space": {"target_sparsity": {"min": 0.2, "max": 0.65, "step": 0.1}}}, "not min 0.2 plus a whole number"),
    ({"points": 2, "space": {"target_sparsity": [0.5, 0.99]}}, "scan.space.target_sparsity value 0.99 makes the model invalid"),
    ({"points": 2, "space": {"weight_bits": [4, 40]}}, "scan.space.weight_bits value 40 makes the model invalid"),
    ({"method": "grid", "points": 3, "space": {"weight_bits": [4, 5, 6, 7]}}, "the grid has 4 combinations"),
    ({"space": {"weight_bits": [4, 5]}}, "scan.points is missing"),
    ({"points": 4, "population": 8, "space": {"weight_bits": [4, 5, 6, 7]}}, "scan.population is 8, more than the 4 points"),
    ({"points": 5, "space": {"weight_bits": [4, 5, 6, 7]}}, "scan.points is 5 but the space has only 4 combinations"),
    ({"points": 2, "objectives": ["lut", "dsp"], "space": {"weight_bits": [4, 5]}}, "no classifier figure"),
    ({"points": 2, "objectives": ["auc", "watts"], "space": {"weight_bits": [4, 5]}}, "unknown objective 'watts'"),
    ({"points": 2, "training": {"epochs": 0}, "space": {"weight_bits": [4, 5]}}, "scan.training.epochs must be"),
    ({"points": 2, "training": {"seed": 3}, "space": {"weight_bits": [4, 5]}}, "scan.training.seed is not a known field"),
    ({"points": 2, "space": {"max_ii_cycles": [0, 2]}}, "scan.space.max_ii_cycles[0] must be an integer >= 1"),
    ({"points": 2, "space": {"reuse_factor": {"min": 1, "max": 2, "step": 0}}}, "step must be an integer > 0"),
    ({"points": 2, "space": {"volts": [1]}}, "scan.space.volts is not a known field"),
]


@pytest.mark.parametrize("section,needle", BAD, ids=[n for _, n in BAD])
def test_bad_scan_sections_name_the_field(section, needle):
    raw = raw_jet()
    raw["scan"] = section
    with pytest.raises(ConfigError) as e:
        validate(raw, "jet.yaml")
    assert needle in str(e.value) and str(e.value).startswith("jet.yaml: scan")
    assert "\n" not in str(e.value)


def test_grid_order_is_the_product_in_space_order():
    cfg = config.load(SCAN_CONFIG)
    seen = []
    search.grid(cfg.scan, lambda points: seen.extend(points) or [{}] * len(points))
    assert seen == [{"weight_bits": 4, "filters.conv2": 2}, {"weight_bits": 4, "filters.conv2": 4},
                    {"weight_bits": 6, "filters.conv2": 2}, {"weight_bits": 6, "filters.conv2": 4}]


def _fake(point):
    """A deterministic stand-in for a point's figures (the search's logic, not the measurement, is tested)."""
    w, f = point["weight_bits"], point["filters.conv1"]
    return {"status": "done", "auc": 0.9 + 0.01 * w - 0.002 * abs(f - 4), "lut": 1000 * w * f, "dsp": 0,
            "constraints": {"LUT": (1000 * w * f - 30000) / 30000}}


def test_nsga2_asks_the_same_points_whatever_order_results_arrive():
    cfg = config.load("jet_cnn")
    scan = replace(cfg.scan, points=16, population=8)

    def run(reverse):
        asked = []

        def batch(points):
            asked.append(points)
            res = [_fake(p) for p in (reversed(points) if reverse else points)]  # computed in another order,
            return list(reversed(res)) if reverse else res                      # returned in the asked order
        search.nsga2(scan, batch, lambda r: {"auc": r["auc"], "lut": r["lut"], "dsp": r["dsp"]},
                     lambda r: r["constraints"])
        return asked
    a, b = run(False), run(True)
    assert a == b and [len(g) for g in a] == [8, 8]
    assert all(p["weight_bits"] in (4, 5, 6, 7, 8) and p["target_sparsity"] in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
               for g in a for p in g)  # range values snapped to the grid, never 0.30000000000000004
    other = replace(scan, seed=2)
    assert search.nsga2(other, lambda ps: [_fake(p) for p in ps], lambda r: r, lambda r: r["constraints"]) != a


def _row(key, auc, lut, dsp=0, verdict_lut=None, status="done"):
    res = {"status": status, "performance": {"auc": auc, "accuracy": auc, "rejection_at_30pct": 10.0},
           "resources": {"source": "estimate", "latency_cycles": 20, "latency_ns": 100.0, "ii_cycles": 2, "lut": lut,
                         "ff": lut, "dsp": dsp, "bram_18k": 0, "intervals": {}}}
    if status != "done":
        res = {"status": status, "error": "bad"}
    return {"key": key, "params": {"weight_bits": 4}, "status": status, "result": res}


def test_pareto_best_and_budget():
    cfg = config.load("jet_cnn")  # budget: 30% of a VU13P = 518,400 LUT
    cfg = replace(cfg, scan=replace(cfg.scan, tolerance=0.0))
    rows = [_row("a", 0.970, 100_000), _row("b", 0.975, 200_000), _row("c", 0.9755, 400_000),
            _row("d", 0.990, 900_000), _row("e", 0.960, 150_000), _row("f", 0.0, 0, status="failed"),
            _row("a", 0.970, 100_000)]
    s = results.summarize(cfg, rows)
    assert [p["key"] for p in s["points"]] == ["a", "b", "c", "d", "e", "f"]  # a point asked twice is listed once
    assert s["n_done"] == 5 and s["n_failed"] == 1
    assert {p["key"]: p["verdict"] for p in s["points"] if p["status"] == "done"} == \
        {"a": "PASS", "b": "PASS", "c": "PASS", "d": "FAIL", "e": "PASS"}
    assert sorted(s["pareto_front"]) == ["a", "b", "c", "d"]  # e is beaten by a on both
    assert s["best"] == "c"  # the highest AUC that passes (d is higher but fails)
    assert results.choose_best(s["points"], "auc", 0.001)["key"] == "b"  # within 0.001 of 0.9755: fewer LUT
    assert results.choose_best(s["points"], "auc", 0.1)["key"] == "a"
    for p, row in zip(s["points"], rows):
        if p["status"] == "done":  # NSGA-II's constraints say feasible exactly when the verdict is PASS
            assert all(v <= 0 for v in results.constraints(row["result"], cfg).values()) == (p["verdict"] == "PASS")


def test_store_keeps_points_and_refuses_a_foreign_file(tmp_path):
    st = Store(tmp_path / "s.sqlite")
    st.put("k1", {"a": 1}, {"status": "done", "x": 1.5, "seconds": 2.0}, worker="w")
    assert st.get("k1")["result"]["x"] == 1.5 and st.get("k2") is None and len(st) == 1
    st.close()
    again = Store(tmp_path / "s.sqlite")
    assert [r["key"] for r in again.all()] == ["k1"] and again.get("k1")["worker"] == "w"
    (tmp_path / "bad.sqlite").write_text("not a database, some text " * 100)
    with pytest.raises(UserError, match="not a readable SQLite database"):
        Store(tmp_path / "bad.sqlite")
    assert isinstance(sqlite3.connect(tmp_path / "s.sqlite").execute("SELECT COUNT(*) FROM points").fetchone()[0], int)


def test_cluster_section_validation(tmp_path):
    from l1cnn.cluster import read_cluster

    good = {"kind": "slurm", "jobs": 4, "cores": 8, "memory": "16GB", "walltime": "02:00:00", "queue": "short",
            "setup": ["source /opt/l1cnn/.venv/bin/activate"]}
    f = tmp_path / "c.yaml"
    f.write_text(yaml.safe_dump({"cluster": good}))
    assert read_cluster(f)["queue"] == "short"
    for change, needle in [({"kind": "lsf"}, "cluster.kind must be one of slurm, htcondor, pbs"),
                           ({"walltime": None}, "cluster.walltime is missing"),
                           ({"setup": None}, "cluster.setup is missing"),
                           ({"memory": "lots"}, "cluster.memory must be a size"),
                           ({"jobs": 0}, "cluster.jobs must be an integer"),
                           ({"kind": "htcondor"}, "cluster.disk is missing")]:
        bad = {k: v for k, v in {**good, **change}.items() if v is not None}
        f.write_text(yaml.safe_dump({"cluster": bad}))
        with pytest.raises(ConfigError, match=needle.replace(".", "\\.")):
            read_cluster(f)
    f.write_text("jobs: 3\n")
    with pytest.raises(ConfigError, match="cluster is missing"):
        read_cluster(f)


def test_scan_section_does_not_touch_pipeline_keys():
    """Editing the scan never invalidates the model's own artifacts: no stage key reads it."""
    raw = raw_jet()
    other = copy.deepcopy(raw)
    other["scan"]["points"] = 40
    a, b = validate(raw, "a"), validate(other, "a")
    for names in (("classes", "input", "architecture", "quantization", "training"), ("pruning",), ("hls", "input")):
        assert a.section(*names) == b.section(*names)
