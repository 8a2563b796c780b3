"""The bit-exact check, written once: firmware logits against Keras logits on the same inputs,
and, where they differ, the first diverging layer (hls/diagnose.py).

`l1cnn verify` and `l1cnn sweep` check a model in a fresh project (check_model); the csim stage
checks the project convert wrote (check_project). All compare logits, never softmax.
"""

import tempfile
from pathlib import Path

import numpy as np

from hls.convert import layer_reuse_factors, layer_types, quiet, read_settings, reuse_factors_used, to_hls
from hls.csim import CSim, agreement, default_jobs, predict
from hls.diagnose import diagnose_mismatches, layer_own_differences
from hls.emulate import NotEmulated, emulate_project
from hls.prepare import prepare
from hls.transforms import HEADS, strip_head

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
            # a proven float batch norm differs from Keras only before its quantizer, by construction
            diag = diagnose_mismatches(compiled, prepared.model, y_keras, y_hls, x, types, max_traced,
                                       absorbed={n for n, p in prepared.proofs.items() if not p["n_differing"]})
            res.update(first_mismatch_layer=diag["layer"] if diag else None, diagnosis=diag)
    return res


def emulator_agreement(project_dir, x, y_csim) -> dict:
    """The emulator (hls/emulate/) on the same project and inputs against its C simulation:
    status 'identical' (every output of every sample), 'differs' (a defect: the first differing
    samples are named) or 'not emulated' (the construct it does not reproduce)."""
    try:
        y = emulate_project(project_dir, x)
    except NotEmulated as e:
        return {"status": "not emulated", "reason": str(e)}
    except Exception as e:  # noqa: BLE001 - an emulator failure is reported as a defect, not a crash
        return {"status": "failed", "reason": f"{type(e).__name__}: {e}", "n_samples": int(len(x)), "n_identical": 0,
                "first_differing_samples": [], "max_abs_diff": None}
    # the C simulation hands its outputs over as float32 (hls4ml's predict interface): compare there
    y = y.reshape(len(x), -1).astype(np.float32).astype(np.float64)
    c = np.asarray(y_csim, np.float64).reshape(len(x), -1)
    same = np.all(y == c, axis=1)
    return {"status": "identical" if same.all() else "differs", "n_samples": int(len(x)),
            "n_identical": int(same.sum()), "first_differing_samples": np.flatnonzero(~same)[:10].tolist(),
            "max_abs_diff": float(np.abs(y - c).max(initial=0.0))}


def check_model(model, x, hls, output_dir=None, max_traced=MAX_TRACED_SAMPLES, prepared=None, jobs=1) -> dict:
    """Convert with the exact types, compile, C-simulate `x`, compare with Keras at the logits (the
    user's model without its softmax/sigmoid head); also records the reuse factors hls4ml used per
    layer and, for layers whose exactness rests on Keras' float32 (prepared.caveats), how often their
    own arithmetic differs. Raises UnsupportedLayer before any compile."""
    prepared = prepared or prepare(model)
    y_keras = keras_logits(prepared.reference, x)
    with tempfile.TemporaryDirectory(prefix="l1cnn-check-") as tmp:
        project = Path(output_dir) if output_dir else Path(tmp) / "project"
        with quiet():
            hls_model = to_hls(prepared, hls, project)
            hls_model.write()  # compiled by CSim; tracing (a mismatch, a kept head) compiles its own build
        y_hls = CSim(project).predict(x, jobs)
        emulator = emulator_agreement(project, x, y_hls)
        head = None
        if _has_head(prepared):
            head, y_hls = _kept_head(hls_model, prepared, x, y_hls)  # compare the logits, the head apart
            y_keras = keras_logits(strip_head(prepared.reference), x)
        types, per_layer = layer_types(hls_model), layer_reuse_factors(hls_model)
        # the graph just compiled traces too (every project has trace code), while its directory exists
        res = compare(lambda: (prepared, hls_model), x, y_keras, y_hls, types, max_traced)
        res["float32_layers"] = float32_layers(hls_model, prepared, x) if prepared.caveats else []
        res["kept_head"] = head
    res["emulator"] = emulator
    res.update(guaranteed=prepared.guaranteed, head_removed=prepared.head, cause=_cause(res, prepared), io_type=hls.io_type, strategy=hls.strategy, reuse_factor=hls.reuse_factor,
               reuse_factors_used=reuse_factors_used(per_layer), layer_reuse_factors=per_layer)
    return res


def _has_head(prepared) -> bool:
    """Whether the firmware ends in a softmax/sigmoid head (kept with --keep-head)."""
    last = prepared.model.layers[-1]
    return prepared.exact and type(last).__name__ == "Activation" and last.get_config()["activation"] in HEADS


def _kept_head(compiled, prepared, x, y_probs):
    """With --keep-head: (the head's measured agreement with Keras, the firmware's logits from the trace)."""
    from hls.diagnose import traced_outputs

    head, logits_layer = prepared.model.layers[-1], prepared.model.layers[-2]
    k = keras_logits(prepared.reference, x)
    h = np.asarray(y_probs, np.float64).reshape(k.shape)
    if k.shape[1] == 1:  # sigmoid: the decision at 0.5
        decision = float(np.mean((k[:, 0] > 0.5) == (h[:, 0] > 0.5)))
    else:
        decision = float(np.mean(k.argmax(1) == h.argmax(1)))
    row = {"layer": head.name, "activation": head.get_config()["activation"], "decision_agreement": decision,
           "max_abs_diff": float(np.abs(k - h).max()), "source": "hls4ml lookup tables (not bit-exact)"}
    logits = traced_outputs(compiled, x)[logits_layer.name].reshape(len(x), -1)
    return row, np.asarray(logits, np.float64)


FLOAT32_EXPLAINS = 2.0 ** -16  # largest difference, relative to the layer's largest value, float32 explains


def _cause(res, prepared):
    """None when bit-exact; 'keras-float32' when the first diverging layer is one whose exactness rests on
    Keras' float32 arithmetic (prepared.caveats) and it differs from Keras by no more than float32's
    rounding can explain (FLOAT32_EXPLAINS, 256 float32 ulps of the layer's largest value); else
    'firmware' (a defect of l1cnn or hls4ml)."""
    if not res["n_mismatched"]:
        return None
    d = res.get("diagnosis") or {}
    small = d.get("max_abs_diff", np.inf) <= FLOAT32_EXPLAINS * max(d.get("max_abs_value", 0.0), 1e-30)
    return "keras-float32" if d.get("layer") in prepared.caveats and small else "firmware"


def check_project(model, project_dir, x, hls, exact: bool, max_traced=MAX_TRACED_SAMPLES, jobs=None,
                  progress=None):
    """Compile the written project (or reuse its compiled library), C-simulate `x` in `jobs` processes,
    compare with `model`: (result, keras, csim logits)."""
    types = read_settings(project_dir)["layer_types"]  # an incomplete project fails before any compile
    y_keras = keras_logits(model, x)
    y_hls = CSim(project_dir).predict(x, jobs or default_jobs(), progress)
    with tempfile.TemporaryDirectory(prefix="l1cnn-trace-") as tmp:
        res = compare(lambda: _traceable(model, exact, hls, tmp), x, y_keras, y_hls, types, max_traced)
    res["bit_exact_required"] = exact
    res["emulator"] = emulator_agreement(project_dir, x, y_hls)
    return res, y_keras, y_hls


def _traceable(model, exact, hls, output_dir):
    """hls4ml cannot trace a project read back from disk (link_existing_project): a mismatch in a
    written project is diagnosed on the same project re-created from the model in `output_dir`."""
    prepared = prepare(model, exact=exact)
    with quiet():
        compiled = to_hls(prepared, hls, output_dir)
        compiled.compile()
    return prepared, compiled


MAX_PROFILED_SAMPLES = 2000  # samples traced to count each float32-dependent layer's own differences


def float32_layers(compiled, prepared, x) -> list:
    """For each layer whose exactness rests on Keras' float32 arithmetic: why, and on how many of its
    values Keras' own computation (on the firmware's input to that layer) differs from the firmware's."""
    x = x[:MAX_PROFILED_SAMPLES]
    own = layer_own_differences(compiled, prepared.model, x, list(prepared.caveats))
    return [{"layer": name, "reason": reason, "n_samples_traced": len(x), **own.get(name, {})}
            for name, reason in prepared.caveats.items()]


def default_conversion(model, x, hls) -> dict:
    """What hls4ml's own default conversion gives on the same inputs, for comparison: the user's
    model without its head, `config_from_keras_model(granularity='name')` with ap_fixed<16,6>
    defaults (as hls4ml's tutorials do), compiled and C-simulated; compared with Keras' logits."""
    import hls4ml

    reference = strip_head(model)
    y_keras = keras_logits(reference, x)
    with tempfile.TemporaryDirectory(prefix="l1cnn-default-") as tmp, quiet():
        cfg = hls4ml.utils.config_from_keras_model(reference, granularity="name", backend=hls.backend,
                                                   default_precision="ap_fixed<16,6>")
        hls_model = hls4ml.converters.convert_from_keras_model(
            reference, hls_config=cfg, output_dir=str(Path(tmp) / "prj"), backend=hls.backend, part=hls.part,
            io_type=hls.io_type, clock_period=hls.clock_period_ns)
        hls_model.compile()
        y_hls = predict(hls_model, x)
    return agreement(y_keras, y_hls)
