"""Stage `data`: generate a data set in parallel chunks into one HDF5 file.

Chunk k of class c is generated from its own seed derived from (dataset seed,
c, k), so the file is the same bytes whatever the number of worker processes.
The train/val/test split is drawn per class from the dataset seed.
"""

import contextlib
import json
import os
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import h5py
import numpy as np
from tqdm import tqdm

from common.atomic import atomic_path
from common.log import info
from l1cnn import cache
from l1cnn.dataset import data_key, data_path
from physics import GENERATORS, SEED_MAX, SEED_MIN


def chunk_seed(seed: int, class_index: int, chunk_index: int) -> int:
    state = np.random.SeedSequence([seed, class_index, chunk_index]).generate_state(1)[0]
    return int(state) % (SEED_MAX - SEED_MIN) + SEED_MIN


def _jobs(cfg):
    ds = cfg.dataset.as_dict()
    n, size = ds["n_per_class"], ds["chunk_size"]
    n_chunks = -(-n // size)
    for k in range(n_chunks):  # interleave classes so a partial file is balanced
        for c, name in enumerate(cfg.classes):
            yield (ds["generator"], name, chunk_seed(ds["seed"], c, k), min(size, n - k * size), ds, c)


def _run_job(job):
    generator, name, seed, n, ds, c = job
    arrays = GENERATORS[generator].chunk(name, seed, n, ds)
    arrays["label"] = np.full(n, c, dtype=np.int8)
    return arrays


def assign_splits(labels: np.ndarray, fractions: dict, seed: int) -> np.ndarray:
    """Split code per example (0 train, 1 val, 2 test), stratified by class, fixed by seed."""
    rng = np.random.default_rng([seed, 0x5917])
    split = np.empty(len(labels), dtype=np.int8)
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))
        n_train = int(round(fractions["train"] * len(idx)))
        n_val = int(round(fractions["val"] * len(idx)))
        split[idx[:n_train]] = 0
        split[idx[n_train:n_train + n_val]] = 1
        split[idx[n_train + n_val:]] = 2
    return split


def _append(f, arrays, chunk_size):
    for key, a in arrays.items():
        if key not in f:
            f.create_dataset(key, shape=(0, *a.shape[1:]), maxshape=(None, *a.shape[1:]), dtype=a.dtype,
                             chunks=(chunk_size, *a.shape[1:]), compression="gzip", compression_opts=4,
                             shuffle=True, track_times=False)
        d = f[key]
        d.resize(d.shape[0] + len(a), axis=0)
        d[-len(a):] = a


def _local_results(jobs, workers):
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        yield from pool.map(_run_job, jobs)


def _dask_results(jobs, client, ahead):
    """The chunks' arrays in job order, at most `ahead` chunks in flight or waiting (memory stays bounded)."""
    pending = deque()
    for job in jobs:
        pending.append(client.submit(_run_job, job, pure=False))
        if len(pending) >= ahead:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def run(cfg, force=False, workers=None, scheduler=None) -> str:
    """`scheduler`: a Dask scheduler address; the chunks run as its tasks (the same bytes as a local run)."""
    ds = cfg.dataset.as_dict()
    key, out = data_key(cfg), data_path(cfg)
    if not force and cache.is_current(out, key):
        info("data", f"{out} is up to date")
        return key
    jobs = list(_jobs(cfg))
    workers = workers or os.cpu_count() or 1
    n_total = ds["n_per_class"] * len(cfg.classes)
    where = f"the Dask scheduler at {scheduler}" if scheduler else f"{workers} processes"
    info("data", f"generating {n_total} examples ({ds['generator']} generator) in {len(jobs)} chunks on {where}")
    with contextlib.ExitStack() as stack:
        if scheduler:
            from l1cnn.cluster import client

            dask = stack.enter_context(client(scheduler=scheduler, log=lambda m: info("data", m)))
            ahead = 4 * max(1, len(dask.scheduler_info()["workers"]))
            results = _dask_results(jobs, dask, ahead)
        else:
            results = _local_results(jobs, workers)
        tmp = stack.enter_context(atomic_path(out))
        f = stack.enter_context(h5py.File(tmp, "w", track_order=True))
        with tqdm(total=n_total, unit="ex", desc=f"data {cfg.name}") as bar:
            for arrays in results:
                _append(f, arrays, ds["chunk_size"])
                bar.update(len(arrays["label"]))
        split = assign_splits(f["label"][:], ds["split"], ds["seed"])
        f.create_dataset("split", data=split, track_times=False)
        f.attrs["generator"] = ds["generator"]
        f.attrs["classes"] = json.dumps(list(cfg.classes))
        f.attrs["dataset_config"] = cache.canonical_json(ds)
        f.attrs["key"] = key
        generator = GENERATORS[ds["generator"]]
        if generator.validation is not None and ds.get("validation_events"):
            info("data", f"validating the {ds['generator']} simulation ({ds['validation_events']} events per point)")
            f.attrs["validation"] = json.dumps(generator.validation(ds["validation_events"], ds["seed"]))
    cache.write(out, key, n_examples=n_total)
    info("data", f"wrote {out}")
    return key
