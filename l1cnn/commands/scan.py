"""`l1cnn scan`: search a model's `scan:` space for the most accurate network that fits its Level-1 slot.

Each point (l1cnn/scan/point.py) runs as a Dask task; its result goes into the store the moment it
arrives, so a scan interrupted anywhere resumes where it stopped. The files of reports/<model>/scan/
are written from the store at the end (l1cnn/scan/results.py).
"""

import time
from pathlib import Path

from common.log import info
from l1cnn import cache, config, paths
from l1cnn.dataset import data_key, data_path
from l1cnn.errors import UserError

POINT_SCHEMA = 1  # bump when a point's result changes shape or meaning: stored points are then recomputed


def store_path(cfg):
    return paths.artifact_dir(cfg.name) / "scan.sqlite"


def point_key(raw: dict, dkey: str) -> str:
    """A point's inputs: its complete config (but its name and description), the data, and the code that
    measures it (the emulator's and the estimate's digests)."""
    from hls.emulate import source_digest
    from hls.estimate import model_digest

    sections = {k: v for k, v in raw.items() if k not in ("name", "description", "dataset", "rtl")}  # rtl: not run
    return cache.make_key("scan-point", POINT_SCHEMA, dkey, sections, source_digest(), model_digest())


class Runner:
    """Evaluates batches of points on a Dask client, through the store."""

    def __init__(self, cfg, client, store, bar):
        self.cfg, self.client, self.store, self.bar = cfg, client, store, bar
        self.dkey = data_key(cfg)
        self.data_file = str(data_path(cfg).resolve())
        self.computed = self.reused = self.errors = 0
        self.rows = []
        self.reference = None  # the model's own config under the scan's schedule, run beside the first batch
        self._asked = set()

    def __call__(self, points: list) -> list:
        first = self.reference is None
        rows = self._rows(([{}] if first else []) + list(points), self.cfg.scan)
        if first:
            self.reference = rows.pop(0)
        self.rows.extend(rows)
        return [r["result"] for r in rows]

    def finals(self, points: list):
        """The finalists and the model's own config under the model's full schedule: (rows, reference row)."""
        rows = self._rows([{}] + list(points), self.cfg.scan.full_schedule())
        return rows[1:], rows[0]

    def _rows(self, points: list, scan) -> list:
        from distributed import as_completed

        from l1cnn.config.scan import derive
        from l1cnn.scan.point import evaluate

        asked, futures, pending = [], {}, set()
        for params in points:
            raw = derive(self.cfg, scan, params)
            key = point_key(raw, self.dkey)
            asked.append(key)
            if key in self._asked:  # NSGA-II asked it again: it does not count toward the scan's points
                self.bar.total += 1
            self._asked.add(key)
            if self.store.get(key) is not None or key in pending:
                continue
            pending.add(key)
            task = {"config": raw, "source": f"{self.cfg.source} (scan point {key})", "data_file": self.data_file}
            futures[self.client.submit(evaluate, task, key=f"l1cnn-scan-point-{key}", pure=False)] = (key, params)
        self.reused += len(set(asked)) - len(futures)
        self.bar.update(len(asked) - len(futures))
        unstored = {}
        for fut in as_completed(list(futures)):
            key, params = futures[fut]
            try:
                result = fut.result()
            except Exception as e:  # a defect or a worker killed again and again: reported, not stored
                self.errors += 1
                unstored[key] = {"key": key, "params": params, "status": "failed",
                                 "result": {"status": "failed", "error": f"{type(e).__name__}: {e}"}}
                info("scan", f"point {key} {params} raised {type(e).__name__}: {e}; not stored, a rerun retries it")
            else:
                self.store.put(key, params, result, worker=self._worker(fut))
                self.computed += 1
            self.bar.update(1)
            self.bar.set_postfix(computed=self.computed, reused=self.reused, refresh=False)
        return [unstored.get(k) or self.store.get(k) for k in asked]

    def _worker(self, fut):
        try:
            return next(iter(self.client.who_has(fut).get(fut.key, ())), None)
        except Exception:  # the worker may be gone already; the name is informational
            return None


def main(args) -> int:
    from tqdm import tqdm

    from l1cnn import cluster
    from l1cnn.scan import results, search
    from l1cnn.scan.store import Store

    if args.print_job_script:
        if not args.cluster:
            raise UserError("--print-job-script needs --cluster FILE")
        spec = cluster.read_cluster(args.cluster)
        with cluster.jobqueue_cluster(spec) as c:
            print(c.job_script())
        return 0
    cfg = config.load(args.model)
    if cfg.scan is None:
        raise UserError(f"{cfg.source} has no scan: section; add one (README: 'Design-space scans') to say "
                        f"what to search")
    cache.require_current(data_path(cfg), data_key(cfg), "data file", f"make data MODEL={cfg.name}")
    scan = cfg.scan
    out = paths.report_dir(cfg.name) / "scan" if args.out is None else Path(args.out)
    t0 = time.perf_counter()
    with cluster.client(args.scheduler, args.cluster, args.workers, log=lambda m: info("scan", m)) as client, \
            tqdm(total=scan.points + 1, unit="point", desc=f"scan {cfg.name}") as bar:
        store = Store(store_path(cfg))  # opened once a cluster answers: a refused scan stores nothing
        info("scan", f"{cfg.name}: {scan.method}, {scan.points} points (and the model's own config) over "
                     f"{', '.join(p.name for p in scan.params)}; store {paths.shown(store.path)} "
                     f"({len(store)} points stored)")
        run = Runner(cfg, client, store, bar)
        try:
            if scan.method == "grid":
                search.grid(scan, run)
            else:
                search.nsga2(scan, run, results.figures, lambda res: results.constraints(res, cfg))
            finals, final_reference = [], None
            if scan.finalists:
                picks = results.finalist_params(results.summarize(cfg, run.rows, run.reference), scan.finalists)
                bar.total += len(picks) + 1
                info("scan", f"{cfg.name}: training the {len(picks)} best passing points again with the model's "
                             f"full schedule (and its own config)")
                finals, final_reference = run.finals(picks)
        except KeyboardInterrupt:
            info("scan", f"interrupted: {len(store)} finished points are kept in {paths.shown(store.path)}; "
                         f"run the same command again to resume")
            raise
        where = f"{len(client.scheduler_info()['workers'])} Dask workers ({client.scheduler.address})"
    summary = results.summarize(cfg, run.rows, run.reference, finals, final_reference)
    run_info = {"where": where, "computed": run.computed, "reused": run.reused, "errors": run.errors,
                "store": paths.shown(store.path), "wall_s": round(time.perf_counter() - t0, 1),
                "out": paths.shown(out)}
    files = results.write(out, cfg, summary, run_info)
    store.close()
    best = summary["best"]
    info("scan", f"{cfg.name}: {summary['n_done']} points done ({run.computed} computed, {run.reused} reused), "
                 f"{summary['n_pass']} pass the budget; best: "
                 + (f"{best} -> {paths.shown(out / 'best.yaml')}" if best else "none passes, no best.yaml")
                 + f"; wrote {', '.join(files)} to {paths.shown(out)}")
    return 1 if run.errors else 0
