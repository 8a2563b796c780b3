"""RTL simulation outputs against the other implementations of the same model, and, where they differ,
where: each layer's traced values (alkaid's interpreter of the logic) against the emulator's values
of that layer on the differing samples. The first layer that differs is where the tracing rule is
wrong; if every layer agrees, the logic is right and the difference arose in the Verilog or the
simulation (code generation, pipelining, the testbench).

Layer: hls (imports nothing above hls).
"""
from __future__ import annotations

import numpy as np

from hls.csim import agreement
from hls.emulate import emulate_layers
from hls.emulate.fixed import from_float, to_float
from hls.rtl.trace import Traced, kif

__all__ = ["against", "diagnose", "traced_inputs"]

MAX_DIAGNOSED = 64  # differing samples whose layers are compared


def against(y_rtl: np.ndarray, reference: np.ndarray, as_float32: bool) -> dict:
    """agreement() of the RTL outputs with a reference; `as_float32` when the reference handed its
    outputs over as float32 (Keras, hls4ml's predict): the RTL values compared there (exact for
    fixed-point values of up to 24 significant bits, which float32 holds)."""
    y = np.asarray(y_rtl, np.float64)
    if as_float32:
        y = y.astype(np.float32).astype(np.float64)
    res = agreement(reference, y)
    same = np.all(np.asarray(reference, np.float64).reshape(y.shape) == y, axis=1)
    res["first_differing_samples"] = np.flatnonzero(~same)[:10].tolist()
    return res


def traced_inputs(traced: Traced, x: np.ndarray) -> np.ndarray:
    """Model inputs as the values of the firmware's input type (its conversion, hls/emulate)."""
    t = traced.input_type
    return to_float(from_float(np.asarray(x).reshape(len(x), -1), t), kif(t)[2])


def diagnose(project, traced: Traced, x: np.ndarray, samples) -> dict:
    """Per layer, on up to MAX_DIAGNOSED of `samples`: how many of its values the traced logic computes
    differently from the emulator. `first_layer` names the first that differs (None: all agree, the
    difference is in the Verilog or its simulation)."""
    idx = np.asarray(samples, int)[:MAX_DIAGNOSED]
    xs = np.asarray(x)[idx]
    reference = emulate_layers(project, xs)
    inputs = traced_inputs(traced, xs)
    rows, first = [], None
    for layer in project.layers:
        got = traced.logic(layer.name).predict(inputs)
        want = reference[layer.name].reshape(got.shape)
        diff = got != want
        rows.append({"layer": layer.name, "function": layer.function, "values_differing": int(diff.sum()),
                     "samples_differing": int(diff.any(axis=1).sum()),
                     "max_abs_diff": float(np.abs(got - want).max(initial=0.0))})
        if first is None and diff.any():
            first = layer.name
    where = (f"the tracing rule of layer {first}" if first else
             "the Verilog or its simulation (every layer's traced logic equals the emulator)")
    return {"n_samples": int(len(idx)), "first_layer": first, "where": where, "layers": rows}
