"""The bit-exact check, written once: firmware logits against Keras logits on the same inputs,
and, where they differ, the first diverging layer (hls/diagnose.py).

`l1cnn verify` and `l1cnn sweep` check a model in a fresh project (check_model); the csim stage
checks the project convert wrote (check_project). All compare logits, never softmax.
"""

import tempfile
from pathlib import Path

import numpy as np

from hls.convert import layer_reuse_factors, layer_types, quiet, read_settings, reuse_factors_used, to_hls
from hls.csim import agreement, compile_project, predict
from hls.diagnose import diagnose_mismatches
from hls.prepare import prepare

MAX_TRACED_SAMPLES = 64  # mismatching samples re-run with tracing to find the first diverging layer


def keras_logits(model, x) -> np.ndarray:
    return np.asarray(model.predict(x, batch_size=4096, verbose=0), np.float64).reshape(len(x), -1)


def compare(traced, x, y_keras, y_hls, types, max_traced=MAX_TRACED_SAMPLES) -> dict:
    """agreement() plus first_mismatch_layer/diagnosis (None when every sample is identical).
    `traced()` gives (prepared model, a compiled hls4ml ModelGraph that can trace); it is called only
    to diagnose a mismatch, and only exact models are diagnosed."""
    res = agreement(y_keras, y_hls)
    res.update(first_mismatch_layer=None, diagnosis=None)
    if res["n_mismatched"]:
        prepared, compiled = traced()
        if prepared.exact:
            diag = diagnose_mismatches(compiled, prepared.model, y_keras, y_hls, x, types, max_traced)
            res.update(first_mismatch_layer=diag["layer"] if diag else None, diagnosis=diag)
    return res


def check_model(model, x, hls, output_dir=None, max_traced=MAX_TRACED_SAMPLES, prepared=None) -> dict:
    """Convert with the exact types, compile, C-simulate `x`, compare with Keras; also records the
    reuse factors hls4ml used per layer. Raises UnsupportedLayer before any compile."""
    prepared = prepared or prepare(model)
    y_keras = keras_logits(model, x)
    with tempfile.TemporaryDirectory(prefix="l1cnn-check-") as tmp:
        project = Path(output_dir) if output_dir else Path(tmp) / "project"
        with quiet():
            hls_model = to_hls(prepared, hls, project)
            hls_model.compile()
        y_hls = predict(hls_model, x)
        types, per_layer = layer_types(hls_model), layer_reuse_factors(hls_model)
        # the graph just compiled traces too (every project has trace code), while its directory exists
        res = compare(lambda: (prepared, hls_model), x, y_keras, y_hls, types, max_traced)
    res.update(io_type=hls.io_type, strategy=hls.strategy, reuse_factor=hls.reuse_factor,
               reuse_factors_used=reuse_factors_used(per_layer), layer_reuse_factors=per_layer)
    return res


def check_project(model, project_dir, x, hls, exact: bool, max_traced=MAX_TRACED_SAMPLES):
    """Compile the written project, C-simulate `x`, compare with `model`: (result, keras, csim logits)."""
    types = read_settings(project_dir)["layer_types"]  # an incomplete project fails before any compile
    y_keras, y_hls = keras_logits(model, x), predict(compile_project(project_dir), x)
    with tempfile.TemporaryDirectory(prefix="l1cnn-trace-") as tmp:
        res = compare(lambda: _traceable(model, exact, hls, tmp), x, y_keras, y_hls, types, max_traced)
    res["bit_exact_required"] = exact
    return res, y_keras, y_hls


def _traceable(model, exact, hls, output_dir):
    """hls4ml cannot trace a project read back from disk (link_existing_project): a mismatch in a
    written project is diagnosed on the same project re-created from the model in `output_dir`."""
    prepared = prepare(model, exact=exact)
    with quiet():
        compiled = to_hls(prepared, hls, output_dir)
        compiled.compile()
    return prepared, compiled
