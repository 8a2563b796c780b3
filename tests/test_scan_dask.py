"""`l1cnn scan` for real on a local Dask cluster: the CI-sized jet model's 2x2 grid (and the model's own
config), each point trained, pruned, converted, emulated and estimated. The same figures with 1 and 2
workers; a worker killed mid-scan and a driver interrupted mid-scan lose no finished point; the data
stage on a Dask scheduler writes the same bytes as a local run."""

import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import yaml

from tests.helpers import REPO, TEST_CONFIGS, one_line_error, run_cli

pytestmark = pytest.mark.integration

CFG = TEST_CONFIGS / "tiny_scan.yaml"
N_POINTS = 4  # the grid
N_STORED = N_POINTS + 3  # and the reference; then one finalist and the reference under the full schedule


@pytest.fixture(scope="module")
def data_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("scan_data")
    r = run_cli("data", "--model", CFG, home=home)
    assert r.returncode == 0, r.stderr[-2000:]
    return home


def _home_with_data(data_home, tmp_path, name):
    home = tmp_path / name
    shutil.copytree(data_home / "data", home / "data")
    return home


def _default_sigint():
    """A shell runs background jobs with SIGINT ignored, and Python then never raises KeyboardInterrupt:
    the scan gets the Ctrl-C a user at a terminal would send, however the test suite was started."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _scan(home, *args):
    return subprocess.Popen([sys.executable, "-m", "l1cnn.cli", "scan", "--model", str(CFG), *map(str, args)],
                            cwd=REPO, env={**os.environ, "L1CNN_HOME": str(home)}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=_default_sigint)


def _stored(home) -> dict:
    db = home / "artifacts/tiny_scan/scan.sqlite"
    if not db.exists():
        return {}
    try:
        with sqlite3.connect(db, timeout=10) as c:
            return {k: (f, r) for k, f, r in c.execute("SELECT key, finished, result FROM points")}
    except sqlite3.OperationalError:  # the table is not created yet
        return {}


def _wait_for_points(proc, home, n, timeout=600):
    t0 = time.time()
    while len(_stored(home)) < n:
        assert proc.poll() is None, proc.communicate()[1][-3000:]
        assert time.time() - t0 < timeout, "no point stored in time"
        time.sleep(0.5)
    return _stored(home)


def _summary(home):
    return json.loads((home / "reports/tiny_scan/scan/scan.json").read_text())


def _figures(summary) -> dict:
    return {p["key"]: (p["params"], p["figures"], p["firmware_vs_qkeras"], p["verdict"])
            for p in summary["points"] + summary["finalists"]}


@pytest.fixture(scope="module")
def killed_worker_run(data_home, tmp_path_factory):
    """Two workers; once the first point is stored, one worker process is killed (SIGKILL) mid-scan."""
    home = _home_with_data(data_home, tmp_path_factory.mktemp("scan_kill"), "home")
    proc = _scan(home, "--workers", 2)
    before = _wait_for_points(proc, home, 1)
    workers = [p for p in psutil.Process(proc.pid).children(recursive=True)
               if "spawn_main" in " ".join(p.cmdline()) and p.is_running()]
    assert len(workers) >= 2, [p.cmdline() for p in psutil.Process(proc.pid).children(recursive=True)]
    busy = max(workers, key=lambda p: p.cpu_percent(interval=0.2))
    busy.send_signal(signal.SIGKILL)
    out, err = proc.communicate(timeout=900)
    assert proc.returncode == 0, err[-3000:]
    return home, before, err


def test_scan_on_two_workers_survives_a_killed_worker(killed_worker_run):
    home, before, err = killed_worker_run
    s = _summary(home)
    assert s["n_points"] == N_POINTS and s["n_done"] == N_POINTS and s["reference"]["status"] == "done"
    after = _stored(home)
    assert len(after) == N_STORED
    for key, row in before.items():  # stored before the kill: kept, never recomputed
        assert after[key] == row
    assert s["run"]["computed"] == N_STORED and s["run"]["reused"] == 0
    assert len(s["finalists"]) == 1 and s["final_reference"]["status"] == "done"
    for p in s["points"] + [s["reference"]] + s["finalists"]:  # the firmware's figures are bit-exact to QKeras
        assert p["firmware_vs_qkeras"]["bit_exact_fraction"] == 1.0 and p["firmware_vs_qkeras"]["n_samples"] == 96
        assert 0.0 <= p["figures"]["auc"] <= 1.0 and p["figures"]["lut"] > 0 and p["resources"]["source"] == "estimate"
    assert "dashboard: http://" in err and "local Dask cluster of 2" in err
    out = home / "reports/tiny_scan/scan"
    for f in ("scan.json", "scan.md", "pareto_lut.png", "pareto_dsp.png", "pareto_latency_ns.png"):
        assert (out / f).stat().st_size > 300, f
    if s["best"] is not None:  # the best passing point as a complete config the pipeline takes
        from l1cnn import config

        best = config.load(out / "best.yaml")
        point = next(p for p in s["finalists"] if p["key"] == s["best"])  # chosen among the finalists
        assert point["scan_key"] in {p["key"] for p in s["points"]} and best.name == "tiny_scan_best" and best.scan is None
        assert [a.get("filters") for k, a in best.architecture if k == "conv"][1] == point["params"]["filters.conv2"]
        assert best.training.epochs == 3  # the model's full schedule, not the scan's 2 epochs
        assert best.quantization.weight == f"ap_fixed<{point['params']['weight_bits']},1>"


def test_one_worker_gives_the_same_results(killed_worker_run, data_home, tmp_path):
    home_two = killed_worker_run[0]
    home = _home_with_data(data_home, tmp_path, "one")
    r = run_cli("scan", "--model", CFG, "--workers", 1, home=home)
    assert r.returncode == 0, r.stderr[-3000:]
    one, two = _summary(home), _summary(home_two)
    assert _figures(one) == _figures(two)
    assert one["reference"]["figures"] == two["reference"]["figures"]
    assert one["best"] == two["best"] and one["pareto_front"] == two["pareto_front"]
    assert yaml.safe_load((home / "reports/tiny_scan/scan/best.yaml").read_text()) == \
        yaml.safe_load((home_two / "reports/tiny_scan/scan/best.yaml").read_text())


def test_a_rerun_computes_nothing(killed_worker_run):
    home = killed_worker_run[0]
    rows = _stored(home)
    r = run_cli("scan", "--model", CFG, "--workers", 2, home=home)
    assert r.returncode == 0, r.stderr[-3000:]
    s = _summary(home)
    assert s["run"]["computed"] == 0 and s["run"]["reused"] == N_STORED
    assert _stored(home) == rows


def test_an_interrupted_scan_resumes(killed_worker_run, data_home, tmp_path):
    home = _home_with_data(data_home, tmp_path, "interrupted")
    proc = _scan(home, "--workers", 2)
    before = _wait_for_points(proc, home, 1)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and not (home / "reports/tiny_scan/scan/scan.json").exists(), err[-2000:]
    assert "run the same command again to resume" in err
    stored = _stored(home)
    assert 1 <= len(stored) < N_STORED
    r = run_cli("scan", "--model", CFG, "--workers", 2, home=home)
    assert r.returncode == 0, r.stderr[-3000:]
    s = _summary(home)
    assert s["run"]["reused"] == len(stored) and s["run"]["computed"] == N_STORED - len(stored)
    after = _stored(home)
    assert all(after[k] == v for k, v in stored.items()) and set(before) <= set(after)
    assert _figures(s) == _figures(_summary(killed_worker_run[0]))


def test_data_on_a_dask_scheduler_is_the_same_bytes(data_home, tmp_path):
    from distributed import LocalCluster

    home = tmp_path / "dask_data"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        r = run_cli("data", "--model", CFG, "--scheduler", cluster.scheduler_address, home=home)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "Dask scheduler at tcp://" in r.stderr
    (local,) = (data_home / "data").glob("*.h5")
    (remote,) = (home / "data").glob("*.h5")
    assert local.name == remote.name
    assert hashlib.sha256(local.read_bytes()).digest() == hashlib.sha256(remote.read_bytes()).digest()


def test_bad_scan_input_is_one_line(data_home, tmp_path):
    home = _home_with_data(data_home, tmp_path, "bad")
    one_line_error(run_cli("scan", "--model", TEST_CONFIGS / "tiny_jet.yaml", home=home), "has no scan: section")
    one_line_error(run_cli("scan", "--model", CFG, "--scheduler", "tcp://127.0.0.1:9", home=home),
                   "cannot reach a Dask scheduler at tcp://127.0.0.1:9")
    one_line_error(run_cli("scan", "--model", CFG, home=tmp_path / "empty"), "make data MODEL=tiny_scan")
    one_line_error(run_cli("scan", "--model", CFG, "--scheduler", "tcp://127.0.0.1:9", "--cluster", "c.yaml",
                           home=home), "choose one")
    one_line_error(run_cli("scan", "--model", CFG, "--cluster", tmp_path / "nope.yaml", home=home),
                   "cluster file", "does not exist")
    one_line_error(run_cli("scan", "--model", CFG, "--cluster", REPO / "configs/clusters/slurm.yaml", home=home,
                           env={"PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin"}),
                   "sbatch is not on PATH")
    one_line_error(run_cli("scan", "--model", CFG, "--print-job-script", home=home), "--print-job-script needs --cluster")
    bad = tmp_path / "bad_cluster.yaml"
    bad.write_text("cluster: {kind: slurm, jobs: 2, cores: 4, memory: 8GB}\n")
    one_line_error(run_cli("scan", "--model", CFG, "--cluster", bad, home=home), "cluster.walltime is missing")
    one_line_error(run_cli("data", "--model", CFG, "--force", "--scheduler", "tcp://127.0.0.1:9", home=home),
                   "cannot reach a Dask scheduler")
    assert not (home / "artifacts").exists() and not (home / "reports").exists()  # nothing stored
    (data,) = (data_home / "data").glob("*.h5")
    assert (home / "data" / data.name).read_bytes() == data.read_bytes()  # the refused data run left it alone


@pytest.mark.parametrize("kind,directive", [("slurm", "#SBATCH"), ("htcondor", "RequestMemory"), ("pbs", "#PBS")])
def test_job_scripts_from_a_cluster_section(tmp_path, kind, directive):
    section = {"kind": kind, "jobs": 2, "cores": 4, "memory": "8GB", "walltime": "01:00:00", "disk": "5GB",
               "setup": ["source /opt/l1cnn/.venv/bin/activate"]}
    if kind == "htcondor":
        section.pop("walltime")
    else:
        section.pop("disk")
    f = tmp_path / "cluster.yaml"
    f.write_text(yaml.safe_dump({"cluster": section}))
    r = run_cli("scan", "--cluster", f, "--print-job-script", "--model", CFG, home=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    assert directive in r.stdout and "source /opt/l1cnn/.venv/bin/activate" in r.stdout
    assert "--nworkers 4" in r.stdout or "--nprocs 4" in r.stdout or "--nworkers=4" in r.stdout


@pytest.mark.parametrize("name", ["slurm", "htcondor"])
def test_shipped_cluster_examples_render(name, tmp_path):
    r = run_cli("scan", "--cluster", REPO / "configs/clusters" / f"{name}.yaml", "--print-job-script", "--model", CFG,
                home=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "distributed.cli.dask_worker" in r.stdout and "--nthreads 1" in r.stdout
