"""Where a scan's points and the data stage's chunks run: Dask (dask.distributed).

    default            a LocalCluster over this machine's cores (one single-threaded worker process each)
    --scheduler ADDR   an existing Dask scheduler (e.g. `dask scheduler` + `dask worker` on other machines)
    --cluster FILE     a batch system through dask-jobqueue, from a `cluster:` section:

        cluster:
          kind: slurm                  # slurm | htcondor | pbs
          jobs: 10                     # batch jobs to submit
          cores: 4                     # cores per job: one single-threaded Dask worker per core
          memory: 16GB                 # per job
          walltime: "04:00:00"         # slurm, pbs
          disk: 10GB                   # htcondor
          queue: short                 # slurm partition / pbs queue (optional)
          account: myproject           # optional
          setup:                       # shell lines run before the worker starts in each job
            - source /path/to/l1cnn/.venv/bin/activate
          extra: ["--qos=normal"]      # extra directives (optional; HTCondor: submit-file lines "key = value")

Workers must see the same l1cnn, the same data file path and the same Python environment.
"""

import contextlib
import logging
import os
import shutil
from pathlib import Path

import yaml

from common.checks import Checker
from l1cnn.errors import UserError

KINDS = {"slurm": "SLURMCluster", "htcondor": "HTCondorCluster", "pbs": "PBSCluster"}
SUBMIT = {"slurm": "sbatch", "htcondor": "condor_submit", "pbs": "qsub"}  # what dask-jobqueue calls
FIELDS = ("kind", "jobs", "cores", "memory", "walltime", "disk", "queue", "account", "setup", "extra")
CONNECT_TIMEOUT_S = 20


def read_cluster(path) -> dict:
    """The validated `cluster:` section of a YAML file."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"cluster file {path} does not exist; see `l1cnn scan --help` for its fields")
    try:
        raw = yaml.safe_load(path.read_text())
    except (yaml.YAMLError, OSError, UnicodeDecodeError) as e:
        raise UserError(f"cluster file {path} is not readable YAML ({str(e).splitlines()[0]})") from None
    c = Checker(str(path))
    if not isinstance(raw, dict) or "cluster" not in raw:
        c.fail("cluster", "is missing; the file must hold a `cluster:` mapping (kind, jobs, cores, memory, ...)")
    d = c.section(raw["cluster"], "cluster", FIELDS)
    kind = c.choice(d, "kind", "cluster", tuple(KINDS))
    out = {"kind": kind, "jobs": c.integer(d, "jobs", "cluster", 1, 100000),
           "cores": c.integer(d, "cores", "cluster", 1, 1024),
           "memory": c.string(d, "memory", "cluster", "a size like 16GB")}
    if kind in ("slurm", "pbs"):
        out["walltime"] = c.string(d, "walltime", "cluster", 'a time like "04:00:00"')
    if kind == "htcondor":
        out["disk"] = c.string(d, "disk", "cluster", "a size like 10GB (HTCondor requests disk)")
    for key in ("queue", "account"):
        if key in d:
            out[key] = c.string(d, key, "cluster", "a name")
    for key in ("setup", "extra"):
        v = c.get(d, key, "cluster", default=[] if key == "extra" else None)
        if v is None:
            c.fail(f"cluster.{key}", "is missing; list the shell lines that activate l1cnn's environment in a job, "
                                     "e.g. ['source /path/to/l1cnn/.venv/bin/activate']")
        if not isinstance(v, list) or not all(isinstance(x, str) and x for x in v):
            c.fail(f"cluster.{key}", f"must be a list of text lines (got {v!r})")
        out[key] = v
    if kind == "htcondor":  # submit-file lines "key = value" (dask-jobqueue takes them as a mapping)
        pairs = [line.partition("=") for line in out["extra"]]
        if not all(k.strip() and sep for k, sep, _ in pairs):
            c.fail("cluster.extra", f"must hold submit-file lines like '+JobFlavour = \"workday\"' (got {out['extra']!r})")
        out["extra"] = {k.strip(): v.strip() for k, _, v in pairs}
    for key in ("memory", "disk"):
        if key in out:
            from dask.utils import parse_bytes

            try:
                parse_bytes(out[key])
            except (ValueError, TypeError):
                c.fail(f"cluster.{key}", f"must be a size like 16GB (got {out[key]!r})")
    return out


def jobqueue_cluster(spec: dict):
    """The dask-jobqueue cluster object of a validated section (no job submitted yet)."""
    import dask_jobqueue

    cls = getattr(dask_jobqueue, KINDS[spec["kind"]])
    kwargs = dict(cores=spec["cores"], processes=spec["cores"], memory=spec["memory"],
                  job_script_prologue=spec["setup"], job_extra_directives=spec["extra"],
                  silence_logs="error")
    for key in ("walltime", "disk", "queue", "account"):  # read_cluster keeps only the kind's own fields
        if key in spec and not (spec["kind"] == "htcondor" and key in ("queue", "account")):
            kwargs[key] = spec[key]
    return cls(**kwargs)


@contextlib.contextmanager
def client(scheduler=None, cluster_file=None, workers=None, log=print):
    """A dask.distributed Client for the chosen place; the cluster it started is closed on exit."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # workers started here inherit it
    from distributed import Client, LocalCluster

    if scheduler and cluster_file:
        raise UserError("--scheduler and --cluster both given; choose one")
    cluster = None
    try:
        if scheduler:
            try:
                c = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
            except (OSError, TimeoutError, ValueError) as e:
                raise UserError(f"cannot reach a Dask scheduler at {scheduler} ({type(e).__name__}: "
                                f"{str(e).splitlines()[0] if str(e) else 'no answer'}); start one "
                                f"(`dask scheduler`) or drop --scheduler to use this machine's cores") from None
            where = f"the Dask scheduler at {scheduler} ({len(c.scheduler_info()['workers'])} workers now)"
        elif cluster_file:
            spec = read_cluster(cluster_file)
            if shutil.which(SUBMIT[spec["kind"]]) is None:  # jobs would fail to submit, silently, and the scan wait
                raise UserError(f"{SUBMIT[spec['kind']]} is not on PATH: run the scan on a {spec['kind']} submit "
                                f"machine (`--print-job-script` shows the job without submitting)")
            cluster = jobqueue_cluster(spec)
            cluster.scale(jobs=spec["jobs"])
            c = Client(cluster)
            where = f"{spec['kind']} via dask-jobqueue: {spec['jobs']} jobs x {spec['cores']} workers"
        else:
            n = workers or os.cpu_count() or 1
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                   silence_logs=logging.ERROR, dashboard_address=":8787")
            c = Client(cluster)
            where = f"a local Dask cluster of {n} single-threaded worker processes"
        log(f"running on {where}; dashboard: {c.dashboard_link}")
        try:
            yield c
        finally:
            c.close()
    finally:
        if cluster is not None:
            cluster.close()
