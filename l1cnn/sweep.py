"""`l1cnn sweep`: the bit-exact property over many random QKeras CNNs, both io types.

Each random model (models/random_cnn.py) is converted with the exact types,
compiled and C-simulated in io_parallel and io_stream, and compared with Keras
on inputs that include saturating extremes. Models run in parallel processes.
"""

import json
import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from tqdm import tqdm

from l1cnn.atomic import write_json

IO_TYPES = ("io_parallel", "io_stream")
HLS = {"backend": "Vitis", "part": "xcvu13p-flga2577-2-e", "clock_period_ns": 5.0}


def check(seed: int) -> list[dict]:
    """One random model, every io type: a result row per io type."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np

    from hls.convert import _quiet, layer_types, reuse_factors_used, to_hls
    from hls.csim import agreement
    from hls.diagnose import diagnose_mismatches
    from models.random_cnn import draw

    d = draw(seed)
    y_keras = d.model.predict(d.inputs, verbose=0)
    rng = np.random.default_rng([seed, 0x11])
    rows = []
    for io_type in IO_TYPES:
        # io_parallel keeps the trigger setting; io_stream also exercises Resource and reuse factors > 1
        strategy, rf = ("Latency", 1) if io_type == "io_parallel" else (str(rng.choice(["Latency", "Resource"])),
                                                                         int(rng.choice([1, 2, 4])))
        hls = dict(HLS, io_type=io_type, strategy=strategy, reuse_factor=rf)
        with tempfile.TemporaryDirectory(prefix="l1cnn-sweep-") as tmp, _quiet():
            hls_model = to_hls(d.model, hls, tmp, exact=True)
            hls_model.compile()
            y_hls = hls_model.predict(d.inputs)
            types = layer_types(hls_model)
            used_rf = reuse_factors_used(hls_model)
        res = agreement(y_keras, y_hls)
        res.update(seed=seed, io_type=io_type, strategy=strategy, reuse_factor=rf, reuse_factors_used=used_rf,
                   model=d.description, first_mismatch_layer=None)
        if res["n_mismatched"]:
            diag = diagnose_mismatches(d.model, y_keras, y_hls, d.inputs, types, dict(hls=hls, exact=True), 32)
            res.update(first_mismatch_layer=diag and diag["layer"], diagnosis=diag)
        rows.append(res)
    return rows


def run(n_models: int, first_seed: int, jobs: int, out) -> dict:
    seeds = list(range(first_seed, first_seed + n_models))
    rows = []
    with ProcessPoolExecutor(jobs, mp_context=get_context("spawn")) as pool, \
            tqdm(total=len(seeds), unit="model", desc="bit-exact sweep") as bar:
        for result in pool.map(check, seeds):
            rows.extend(result)
            bar.update(1)
    summary = {"n_models": n_models, "io_types": list(IO_TYPES), "n_checks": len(rows),
               "n_samples_per_check": rows[0]["n_samples"] if rows else 0,
               "all_bit_exact": all(r["bit_exact_fraction"] == 1.0 for r in rows),
               "n_not_bit_exact": sum(r["bit_exact_fraction"] < 1.0 for r in rows), "results": rows}
    if out:
        write_json(out, summary)
    return summary


def main(args) -> int:
    s = run(args.n_models, args.first_seed, args.jobs, args.out)
    print(f"{s['n_models']} random CNNs x {len(s['io_types'])} io types: "
          f"{s['n_checks'] - s['n_not_bit_exact']} of {s['n_checks']} checks bit-exact"
          + (f"; results in {args.out}" if args.out else ""))
    for r in s["results"]:
        if r["bit_exact_fraction"] < 1.0:
            print(f"  seed {r['seed']} {r['io_type']} {r['strategy']} RF {r['reuse_factor']}: "
                  f"{r['bit_exact_fraction']:.4f} exact, first diverging layer "
                  f"{r['first_mismatch_layer']} ({json.dumps(r.get('diagnosis'))})")
    return 0 if s["all_bit_exact"] else 1
