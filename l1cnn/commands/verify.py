"""`l1cnn verify`: convert any saved QKeras CNN, C-simulate it, and compare with Keras bit for bit.

Exit code 0 when every sample is bit-exact, 1 when not (with the first diverging
layer), 2 on bad input (unreadable model or inputs, wrong shape, unsupported layer).
"""

import json
from pathlib import Path

import numpy as np

from l1cnn.errors import UserError


def load_inputs(path, model) -> np.ndarray:
    path = Path(path)
    if not path.exists():
        raise UserError(f"inputs file {path} does not exist")
    try:
        x = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise UserError(f"inputs file {path} is not a readable .npy array ({e})") from None
    if not isinstance(x, np.ndarray):  # an .npz archive
        raise UserError(f"inputs file {path} is an .npz archive; save one array with numpy.save (a .npy file)")
    if not (np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating)):
        raise UserError(f"inputs file {path} holds {x.dtype} values; it must hold real numbers")
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


def verify(model_path, inputs_path, hls, output_dir=None) -> dict:
    """The shared bit-exact check (hls/check.py) of a saved model on saved inputs."""
    from hls.check import check_model
    from hls.prepare import NOT_EXACT, prepare
    from models import io

    model = io.load(model_path)
    x = load_inputs(inputs_path, model)
    try:
        prepared = prepare(model)  # fail fast, before any compile
    except NOT_EXACT as e:
        raise UserError(f"{model_path}: {e}") from None
    return check_model(model, x, hls, output_dir=output_dir, prepared=prepared)


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


def main(args, hls) -> int:
    res = verify(args.model_file, args.inputs, hls, args.output_dir)
    print(json.dumps(res) if args.json else render(res))
    return 0 if res["bit_exact_fraction"] == 1.0 else 1
