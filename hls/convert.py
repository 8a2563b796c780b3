"""Keras/QKeras model -> hls4ml HLS C++ project.

Quantized models get the exact per-layer types of hls/precision.py; the float
baseline gets hls4ml's tutorial default (ap_fixed<16,6> everywhere), the
reference the quantized model's savings are measured against. In io_parallel
every conv layer computes all its output pixels at once (ParallelizationFactor
= output pixels, II 1), or in as many partitions as `hls.max_ii_cycles` allows: a
40 MHz trigger at a 5 ns clock can take a new event every 5 cycles.
"""

import contextlib
import io
import json
from pathlib import Path

from hls import precision
from l1cnn.atomic import atomic_dir

FLOAT_DEFAULT_PRECISION = "ap_fixed<16,6>"
PROJECT_NAME = "myproject"
SETTINGS_FILE = "l1cnn_hls_settings.json"


def _quiet():
    """hls4ml prints a line per layer; keep the pipeline log readable."""
    return contextlib.redirect_stdout(io.StringIO())


def conv_partitions(out_pixels: int, max_ii: int) -> int:
    """Largest number of partitions (II in cycles of an io_parallel conv) dividing the output pixels."""
    return max(d for d in range(1, min(max_ii, out_pixels) + 1) if out_pixels % d == 0)


def hls_config(model, hls: dict, exact: bool) -> dict:
    import hls4ml

    with _quiet():
        cfg = hls4ml.utils.config_from_keras_model(model, granularity="name", backend=hls["backend"],
                                                   default_precision=FLOAT_DEFAULT_PRECISION)
    cfg["Model"]["Strategy"] = hls["strategy"]
    cfg["Model"]["ReuseFactor"] = hls["reuse_factor"]
    layer_cfg = cfg["LayerName"]
    if exact:
        for name, types in precision.derive(model).items():
            layer_cfg.setdefault(name, {})["Precision"] = dict(types)
    else:
        for name in layer_cfg:
            layer_cfg[name]["Precision"] = FLOAT_DEFAULT_PRECISION
    for layer in model.layers:
        entry = layer_cfg.setdefault(layer.name, {})
        entry["Trace"] = True  # trace code is compiled out of synthesis; it localises csim mismatches
        if hls["io_type"] == "io_parallel" and type(layer).__name__ in ("Conv2D", "QConv2D"):
            # all output pixels at once (II 1), or in a few partitions when the trigger slot allows an II > 1
            out_pixels = int(layer.output_shape[1] * layer.output_shape[2])
            entry["ParallelizationFactor"] = out_pixels // conv_partitions(out_pixels, hls.get("max_ii_cycles", 1))
    return cfg


def to_hls(model, hls: dict, output_dir: Path, exact: bool):
    """The hls4ml ModelGraph for `model`, configured, not yet written."""
    import hls4ml

    from hls.transforms import exact_equivalent

    if exact:  # folded batch norm and po2 scales become plain alpha=1 layers (same names, same outputs)
        model = exact_equivalent(model)
    cfg = hls_config(model, hls, exact)
    with _quiet():
        return hls4ml.converters.convert_from_keras_model(
            model, hls_config=cfg, output_dir=str(output_dir), project_name=PROJECT_NAME,
            backend=hls["backend"], part=hls["part"], clock_period=hls["clock_period_ns"],
            io_type=hls["io_type"])


def write_project(model, hls: dict, output_dir: Path, exact: bool, stamp: str) -> dict:
    """Write the complete HLS project to `output_dir` atomically; returns the settings recorded beside it.

    `stamp` (8 hex digits) replaces hls4ml's random library stamp so the same
    model gives the same project files.
    """
    output_dir = Path(output_dir).resolve()
    with atomic_dir(output_dir) as tmp:
        hls_model = to_hls(model, hls, tmp, exact)
        hls_model.config.config["Stamp"] = stamp
        with _quiet():
            hls_model.write()
        # hls4ml records its output directory in the project; point it at the final place.
        cfg_file = tmp / "hls4ml_config.yml"
        cfg_file.write_text(cfg_file.read_text().replace(str(tmp), str(output_dir)))
        settings = _settings(hls_model, hls, exact)
        (tmp / SETTINGS_FILE).write_text(json.dumps(settings, indent=2) + "\n")
    return settings


def layer_types(hls_model) -> dict:
    """{layer: {'result_t': 'fixed<18,5,...>', ...}}: every type hls4ml will write into the firmware."""
    return {layer.name: {k: str(v.precision) for k, v in layer.types.items()} for layer in hls_model.get_layers()}


def reuse_factors_used(hls_model) -> list:
    """The reuse factors hls4ml settled on for the layers with weights (it silently replaces invalid ones)."""
    return sorted({int(l.get_attr("reuse_factor")) for l in hls_model.get_layers() if "weight" in l.weights})


def _settings(hls_model, hls, exact):
    types = layer_types(hls_model)
    settings = {"project_name": PROJECT_NAME, "hls": hls, "exact_types": exact,
                "input_type": next(iter(types.values()))["result_t"],
                "layer_types": types}
    return settings
