"""`l1cnn sweep`: the bit-exact property over many random QKeras CNNs, both io types.

Each random model (models/random_cnn.py) goes through the shared bit-exact check
(hls/check.py) in io_parallel and io_stream, on inputs that include saturating
extremes. Models run in parallel processes; the results are the same for any number.
"""

import json
import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from tqdm import tqdm

from common.atomic import write_json
from hls.settings import DEFAULTS, IO_TYPES, STRATEGIES

SWEEP_REUSE_FACTORS = (1, 2, 4)


def convertible(model, input_format=None) -> bool:
    """Whether l1cnn's exact rules accept the model (random_cnn redraws the ones they refuse)."""
    from hls.convert import check_io_support
    from hls.prepare import NOT_EXACT, prepare

    try:
        prepared = prepare(model, input_format=input_format)
        for io_type in IO_TYPES:  # both io types are checked: a layer one of them cannot build is redrawn
            check_io_support(prepared.model, io_type)
        return True
    except NOT_EXACT:
        return False


def check(seed: int) -> list[dict]:
    """One random model, every io type: a result row per io type."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np

    from hls.check import check_model
    from hls.precision import UnsupportedLayer
    from hls.prepare import prepare
    from models.random_cnn import draw

    d = draw(seed, accept=convertible)
    prepared = prepare(d.model, input_format=d.input_format)
    x = d.inputs if d.input_format is None else d.input_format.quantize(d.inputs).astype(np.float32)
    rng = np.random.default_rng([seed, 0x11])
    rows = []
    for io_type in IO_TYPES:
        # io_parallel keeps the trigger setting; io_stream also exercises Resource and reuse factors > 1
        strategy, rf = (DEFAULTS.strategy, DEFAULTS.reuse_factor) if io_type == "io_parallel" else (
            str(rng.choice(STRATEGIES)), int(rng.choice(SWEEP_REUSE_FACTORS)))
        refused = []
        while True:  # a reuse factor hls4ml cannot build for some layer is refused: try the next lower one
            hls = DEFAULTS.with_(io_type=io_type, strategy=strategy, reuse_factor=rf)
            try:
                res = check_model(d.model, x, hls, max_traced=32, prepared=prepared)
                break
            except UnsupportedLayer as e:
                refused.append({"reuse_factor": rf, "reason": str(e)})
                rf = max(r for r in SWEEP_REUSE_FACTORS if r < rf)
        res.update(seed=seed, model=d.description, reuse_factors_refused=refused,
                   layer_classes=sorted({type(layer).__name__ for layer in d.model.layers}))
        rows.append(res)
    return rows


def run(n_models: int, first_seed: int, jobs: int, out) -> dict:
    if out:  # before the long run, not after it
        from pathlib import Path

        from l1cnn.errors import UserError

        parent = Path(out).resolve().parent
        if Path(out).is_dir() or (parent.exists() and not os.access(parent, os.W_OK)):
            raise UserError(f"--out {out} is not a writable file path; name a .json file in a writable directory")
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
               "n_not_bit_exact": sum(r["bit_exact_fraction"] < 1.0 for r in rows),
               # a difference is explained only when it starts at a layer whose exactness rests on Keras'
               # float32 arithmetic (hls/check.py _cause); any other is a defect of l1cnn or hls4ml
               "n_explained_by_keras_float32": sum(r["cause"] == "keras-float32" for r in rows),
               "n_defects": sum(r["cause"] == "firmware" for r in rows),
               # the emulator against the C simulation of the same project (hls/check.py emulator_agreement)
               "emulator": dict(sorted(Counter(r["emulator"]["status"] for r in rows).items())),
               "n_emulator_differs": sum(r["emulator"]["status"] in ("differs", "failed") for r in rows),
               "n_guaranteed_exact_models": sum(r["guaranteed"] for r in rows[::len(IO_TYPES)]),
               "n_checks_reuse_factor_above_1": sum(max(r["reuse_factors_used"], default=1) > 1 for r in rows),
               "n_models_with_layer": dict(sorted(Counter(c for r in rows[::len(IO_TYPES)]
                                                          for c in r["layer_classes"]).items())),
               "results": rows}
    if out:
        write_json(out, summary)
    return summary


def main(args) -> int:
    s = run(args.n_models, args.first_seed, args.jobs, args.out)
    print(f"{s['n_models']} random CNNs x {len(s['io_types'])} io types: "
          f"{s['n_checks'] - s['n_not_bit_exact']} of {s['n_checks']} checks bit-exact, "
          f"{s['n_explained_by_keras_float32']} differ where Keras' float32 arithmetic decides, "
          f"{s['n_defects']} defects, "
          f"{s['n_checks_reuse_factor_above_1']} with a reuse factor above 1; emulator vs C simulation "
          f"{', '.join(f'{k} {v}' for k, v in s['emulator'].items())}"
          + (f"; results in {args.out}" if args.out else ""))
    for r in s["results"]:
        if r["bit_exact_fraction"] < 1.0:
            print(f"  seed {r['seed']} {r['io_type']} {r['strategy']} RF {r['reuse_factor']} ({r['cause']}): "
                  f"{r['bit_exact_fraction']:.4f} exact, first diverging layer "
                  f"{r['first_mismatch_layer']} ({json.dumps(r.get('diagnosis'))})")
    return 0 if s["n_defects"] == 0 and s["n_emulator_differs"] == 0 else 1
