"""C simulation of a written hls4ml project (g++-compiled) and its comparison with Keras.

The project on disk is what gets compiled: link_existing_project() reads the
files convert wrote, so what is checked is exactly what would be synthesized.
"""

import contextlib
import io

import numpy as np


def compile_project(project_dir):
    """The written project, compiled with g++ (its trace functions included, for diagnosis)."""
    import hls4ml

    with contextlib.redirect_stdout(io.StringIO()):
        model = hls4ml.converters.link_existing_project(str(project_dir))
        model.compile()
    return model


def predict(compiled, x: np.ndarray) -> np.ndarray:
    """(N, outputs) float64 logits of a compiled hls4ml model."""
    with contextlib.redirect_stdout(io.StringIO()):
        y = compiled.predict(np.ascontiguousarray(x, dtype=np.float32))
    return np.asarray(y, dtype=np.float64).reshape(len(x), -1)



def agreement(keras_logits: np.ndarray, hls_logits: np.ndarray) -> dict:
    """Sample-level comparison of logits: bit-exact means every logit identical."""
    k = np.asarray(keras_logits, np.float64).reshape(len(keras_logits), -1)
    h = np.asarray(hls_logits, np.float64).reshape(len(hls_logits), -1)
    if k.shape != h.shape:
        raise ValueError(f"Keras output shape {k.shape} differs from the C simulation's {h.shape}")
    exact = np.all(k == h, axis=1)
    if k.shape[1] == 1:  # one logit (a sigmoid head's input): the decision is its sign, sigmoid > 0.5
        k, h = np.concatenate([np.zeros_like(k), k], 1), np.concatenate([np.zeros_like(h), h], 1)
    return {
        "n_samples": int(len(k)),
        "bit_exact_fraction": float(exact.mean()) if len(k) else 0.0,
        "n_mismatched": int((~exact).sum()),
        "argmax_agreement": float(np.mean(k.argmax(1) == h.argmax(1))) if len(k) else 0.0,
        "max_abs_diff": float(np.abs(k - h).max()) if len(k) else 0.0,  # the padding column adds 0
    }
