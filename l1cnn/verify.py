"""`l1cnn verify`: convert any saved QKeras CNN, C-simulate it, and compare with Keras bit for bit.

Exit code 0 when every sample is bit-exact, 1 when not (with the first diverging
layer), 2 on bad input (unreadable model or inputs, wrong shape, unsupported layer).
"""

import json
import tempfile
from pathlib import Path

import numpy as np

from l1cnn.errors import UserError

DEFAULT_HLS = {"backend": "Vitis", "part": "xcvu13p-flga2577-2-e", "clock_period_ns": 5.0}


def load_inputs(path, model) -> np.ndarray:
    path = Path(path)
    if not path.exists():
        raise UserError(f"inputs file {path} does not exist")
    try:
        x = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise UserError(f"inputs file {path} is not a readable .npy array ({e})") from None
    if not np.issubdtype(x.dtype, np.number):
        raise UserError(f"inputs file {path} holds {x.dtype} values; it must hold numbers")
    want = tuple(model.input_shape[1:])
    if x.shape[1:] != want:
        if x.shape == want:  # a single sample
            x = x[None]
        else:
            raise UserError(f"inputs have shape {x.shape} but the model reads (N, {', '.join(map(str, want))}); "
                            f"reshape them to (N, {', '.join(map(str, want))})")
    if len(x) == 0:
        raise UserError(f"inputs file {path} holds no samples")
    if not np.all(np.isfinite(x)):
        raise UserError(f"inputs file {path} holds NaN or infinite values")
    return x.astype(np.float32)


def verify(model_path, inputs_path, io_type="io_parallel", strategy="Latency", reuse_factor=1,
           output_dir=None) -> dict:
    from hls import precision
    from hls.convert import layer_types, reuse_factors_used, to_hls
    from hls.csim import agreement
    from hls.diagnose import diagnose_mismatches
    from models import io

    model = io.load(model_path)
    x = load_inputs(inputs_path, model)
    try:
        precision.derive(model)  # fail fast, before any compile
    except precision.UnsupportedLayer as e:
        raise UserError(f"{model_path}: {e}") from None
    hls = dict(DEFAULT_HLS, io_type=io_type, strategy=strategy, reuse_factor=reuse_factor)
    with tempfile.TemporaryDirectory(prefix="l1cnn-verify-") as tmp:
        project = Path(output_dir) if output_dir else Path(tmp) / "project"
        hls_model = to_hls(model, hls, project, exact=True)
        hls_model.compile()
        used_rf = reuse_factors_used(hls_model)
        y_hls = hls_model.predict(x)
        types = layer_types(hls_model)
    y_keras = model.predict(x, batch_size=4096, verbose=0)
    res = agreement(y_keras, y_hls)
    res.update(io_type=io_type, strategy=strategy, reuse_factor=reuse_factor, reuse_factors_used=used_rf,
               first_mismatch_layer=None, diagnosis=None)
    if res["n_mismatched"]:
        diag = diagnose_mismatches(model, y_keras, y_hls, x, types, dict(hls=hls, exact=True))
        res.update(first_mismatch_layer=diag["layer"] if diag else None, diagnosis=diag)
    return res


def render(res: dict) -> str:
    head = (f"{res['n_samples']} samples, {res['io_type']}, {res['strategy']}, reuse factor {res['reuse_factor']}: ")
    if res["bit_exact_fraction"] == 1.0:
        return head + "bit-exact on every sample (C simulation == Keras)"
    d = res["diagnosis"] or {}
    return (head + f"NOT bit-exact: {res['n_mismatched']} samples differ "
            f"({res['bit_exact_fraction']:.4%} exact, argmax agreement {res['argmax_agreement']:.4%}, "
            f"max |diff| {res['max_abs_diff']:.6g}); first diverging layer '{res['first_mismatch_layer']}': "
            f"{d.get('n_values_differing')} of {d.get('n_values')} values differ, up to "
            f"{d.get('max_diff_lsb')} LSB of {d.get('hls_type')}, looks like {d.get('looks_like')}")


def main(args) -> int:
    res = verify(args.model_file, args.inputs, args.io_type, args.strategy, args.reuse_factor, args.output_dir)
    print(json.dumps(res) if args.json else render(res))
    return 0 if res["bit_exact_fraction"] == 1.0 else 1
