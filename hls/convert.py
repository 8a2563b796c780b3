"""A prepared Keras/QKeras model (hls/prepare.py) -> hls4ml HLS C++ project.

Quantized models get the exact per-layer types of hls/precision.py; the float
baseline gets hls4ml's tutorial default (ap_fixed<16,6> everywhere), the
reference the quantized model's savings are measured against. In io_parallel
every conv layer computes all its output pixels at once (ParallelizationFactor
= output pixels, II 1), or in as many partitions as `max_ii_cycles` allows: a
40 MHz trigger at a 5 ns clock can take a new event every 5 cycles.
"""

import contextlib
import io
import json
import math
from pathlib import Path

import numpy as np

from common.atomic import atomic_dir
from common.errors import L1CNNError
from hls.settings import HlsSettings

FLOAT_DEFAULT_PRECISION = "ap_fixed<16,6>"
PROJECT_NAME = "myproject"
SETTINGS_FILE = "l1cnn_hls_settings.json"
CONV_TYPES = ("Conv1D", "QConv1D", "Conv2D", "QConv2D", "DepthwiseConv1D", "DepthwiseConv2D", "QDepthwiseConv2D",
              "SeparableConv1D", "SeparableConv2D", "QSeparableConv1D", "QSeparableConv2D")


def quiet():
    """hls4ml prints a line per layer; keep the pipeline log readable."""
    return contextlib.redirect_stdout(io.StringIO())


def conv_partitions(out_pixels: int, max_ii: int) -> int:
    """Largest number of partitions (II in cycles of an io_parallel conv) dividing the output pixels."""
    return max(d for d in range(1, min(max_ii, out_pixels) + 1) if out_pixels % d == 0)


def hls_config(prepared, hls: HlsSettings) -> dict:
    import hls4ml

    model = prepared.model
    with quiet():
        cfg = hls4ml.utils.config_from_keras_model(model, granularity="name", backend=hls.backend,
                                                   default_precision=FLOAT_DEFAULT_PRECISION)
    cfg["Model"]["Strategy"] = hls.strategy
    cfg["Model"]["ReuseFactor"] = hls.reuse_factor
    layer_cfg = cfg["LayerName"]
    if prepared.exact:
        for name, types in prepared.types.items():
            layer_cfg.setdefault(name, {})["Precision"] = dict(types)
    else:
        for name in layer_cfg:
            layer_cfg[name]["Precision"] = FLOAT_DEFAULT_PRECISION
    for layer in model.layers:
        entry = layer_cfg.setdefault(layer.name, {})
        entry["Trace"] = True  # trace code is compiled out of synthesis; it localises csim mismatches
        # granularity="name" writes ReuseFactor 1 into every layer entry, which wins over the model-level
        # value: the requested reuse factor must be set per layer or it is silently ignored.
        entry["ReuseFactor"] = hls.reuse_factor_of(layer.name)
        if hls.io_type == "io_parallel" and type(layer).__name__ in CONV_TYPES:
            # all output pixels at once (II 1), or in a few partitions when the trigger slot allows an II > 1
            out_pixels = math.prod(int(d) for d in layer.output_shape[1:-1])
            entry["ParallelizationFactor"] = out_pixels // conv_partitions(out_pixels, hls.max_ii_cycles)
    return cfg


DEPTHWISE_TYPES = ("DepthwiseConv1D", "DepthwiseConv2D", "QDepthwiseConv2D", "SeparableConv1D", "SeparableConv2D",
                   "QSeparableConv1D", "QSeparableConv2D")


def check_io_support(model, io_type):
    """Refuse, before any conversion, what hls4ml 1.3 implements wrongly in one io type (measured here):
    io_stream depthwise/separable convolutions with a 1-wide kernel and a stride > 1 give wrong outputs
    (its depthwise line buffer; the same layers are exact in io_parallel and with wider kernels), and so
    does an io_stream 1D tensor that two layers read (a residual or inception branch; 2D is exact)."""
    from hls import graph
    from hls.precision import UnsupportedLayer

    if io_type != "io_stream":
        return
    for name, users in graph.consumers(model).items():
        layer = model.get_layer(name)
        if len(users) > 1 and len(layer.output_shape) == 3:
            raise UnsupportedLayer(f"layer '{name}': hls4ml 1.3's io_stream copies a 1D tensor read by several "
                                   f"layers ({', '.join(users)}) wrongly (measured); use io_parallel for 1D branches")
    for layer in model.layers:
        if type(layer).__name__ not in DEPTHWISE_TYPES:
            continue
        if any(k == 1 and s > 1 for k, s in zip(layer.kernel_size, layer.strides)):
            raise UnsupportedLayer(f"layer '{layer.name}': hls4ml 1.3's io_stream depthwise kernel computes a "
                                   f"1-wide kernel with stride {max(layer.strides)} wrongly; use io_parallel, or "
                                   f"stride 1 followed by pooling")


def to_hls(prepared, hls: HlsSettings, output_dir: Path):
    """The hls4ml ModelGraph for a prepared model, configured, not yet written."""
    import hls4ml

    check_io_support(prepared.model, hls.io_type)
    cfg = hls_config(prepared, hls)
    with quiet():
        hls_model = hls4ml.converters.convert_from_keras_model(
            prepared.model, hls_config=cfg, output_dir=str(output_dir), project_name=PROJECT_NAME,
            backend=hls.backend, part=hls.part, clock_period=hls.clock_period_ns, io_type=hls.io_type)
    _check_resource_convs(hls_model, hls.io_type)
    _set_weights(hls_model, prepared.weights)
    return hls_model


def _set_weights(hls_model, weights):
    """Write the weights l1cnn derived (a float batch norm's float32 scale and proven offsets) instead of
    the ones hls4ml computes itself in numpy (which may differ from Keras' float32 by an ulp)."""
    for name, arrays in weights.items():
        layer = hls_model.graph[name]
        for key, values in arrays.items():
            var = layer.weights[key]
            data = np.asarray(values, np.float64).reshape(var.data.shape)
            var.data, var.min, var.max = data, float(data.min()), float(data.max())
            var.nonzeros = int(np.count_nonzero(data))
            var.nzeros = var.data_length - var.nonzeros


def _check_resource_convs(hls_model, io_type):
    """hls4ml 1.3 validates the reuse factor of a Resource-strategy Dense, but lets through conv ones
    (pointwise convs above all) that its nnet_dense_resource.h refuses: above n_in and not a multiple
    of it there is no kernel (`DenseResource_rf_gt_nin` is undefined: the project does not compile);
    otherwise the C simulation aborts on one of its assertions (see _resource_rf_builds). Refuse such
    a layer before writing, naming the reuse factors that work."""
    from hls.precision import UnsupportedLayer

    for layer in hls_model.get_layers():
        if "Conv" not in layer.class_name or str(layer.get_attr("strategy", "")).lower() != "resource":
            continue
        n_in = math.prod(int(layer.get_attr(a) or 1) for a in ("filt_height", "filt_width", "n_chan"))
        n_out = int(layer.get_attr("n_filt"))
        rf = int(layer.get_attr("reuse_factor"))
        if not _resource_rf_builds(n_in, n_out, rf, io_type):
            ok = [r for r in range(1, 4 * n_in + 1) if _resource_rf_builds(n_in, n_out, r, io_type)]
            raise UnsupportedLayer(f"layer '{layer.name}': reuse factor {rf} cannot be built by hls4ml 1.3's "
                                   f"Resource convolution (n_in {n_in}, n_out {n_out}); use one of "
                                   f"{', '.join(map(str, ok[:12]))}{', ...' if len(ok) > 12 else ''} for this "
                                   f"layer (hls.layer_reuse_factors)")


def _resource_rf_builds(n_in, n_out, rf, io_type="io_stream") -> bool:
    """What nnet_dense_resource.h defines and asserts for one reuse factor: at or below n_in,
    ceil(n_in*n_out/RF) must be a multiple of n_out; above n_in only the `rem0` kernel exists (RF a
    multiple of n_in), and it clips RF to n_in*n_out, which must itself stay above n_in. In io_parallel
    the conv's own kernel (nnet_conv2d_resource.h) also asserts RF <= n_in."""
    if rf > n_in and io_type == "io_parallel":
        return False
    if rf <= n_in:  # its loop reads weights[ir + k*RF] up to the rounded-up block: RF must divide n_in*n_out
        return (n_in * n_out) % rf == 0 and (rf == n_in or -(-n_in * n_out // rf) % n_out == 0)
    clipped = min(rf, n_in * n_out)
    return rf % n_in == 0 and clipped > n_in and clipped % n_in == 0


def write_project(prepared, hls: HlsSettings, output_dir: Path, stamp: str) -> dict:
    """Write the complete HLS project to `output_dir` atomically; returns the settings recorded beside it.

    `stamp` (8 hex digits) replaces hls4ml's random library stamp so the same
    model gives the same project files.
    """
    output_dir = Path(output_dir).resolve()
    with atomic_dir(output_dir) as tmp:
        hls_model = to_hls(prepared, hls, tmp)
        hls_model.config.config["Stamp"] = stamp
        with quiet():
            hls_model.write()
        # hls4ml records its output directory in the project; point it at the final place.
        cfg_file = tmp / "hls4ml_config.yml"
        cfg_file.write_text(cfg_file.read_text().replace(str(tmp), str(output_dir)))
        settings = project_settings(hls_model, hls, prepared.exact)
        (tmp / SETTINGS_FILE).write_text(json.dumps(settings, indent=2) + "\n")
    return settings


class ProjectError(L1CNNError):
    """A firmware project on disk is incomplete or was not written by l1cnn."""


def read_settings(project_dir) -> dict:
    """The settings convert recorded beside a project (its layer types, reuse factors, HLS target)."""
    path = Path(project_dir) / SETTINGS_FILE
    try:
        settings = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise ProjectError(f"{path} is missing or corrupt ({e}); rewrite the project with `l1cnn convert --force`"
                           ) from None
    if not isinstance(settings, dict) or "layer_types" not in settings:
        raise ProjectError(f"{path} is not an l1cnn project settings file; rewrite the project with "
                           f"`l1cnn convert --force`")
    return settings


def layer_types(hls_model) -> dict:
    """{layer: {'result_t': 'fixed<18,5,...>', ...}}: every type hls4ml will write into the firmware."""
    return {layer.name: {k: str(v.precision) for k, v in layer.types.items()} for layer in hls_model.get_layers()}


def layer_reuse_factors(hls_model) -> dict:
    """{layer: reuse factor} hls4ml settled on for the layers with weights (it silently replaces one
    that does not divide a layer's n_in*n_out by the nearest valid one)."""
    return {l.name: int(l.get_attr("reuse_factor")) for l in hls_model.get_layers() if "weight" in l.weights}


def reuse_factors_used(per_layer: dict) -> list:
    """The distinct reuse factors of a layer_reuse_factors() mapping."""
    return sorted(set(per_layer.values()))


def project_settings(hls_model, hls: HlsSettings, exact: bool) -> dict:
    types = layer_types(hls_model)
    return {"project_name": PROJECT_NAME, "hls": hls.as_dict(), "exact_types": exact,
            "input_type": next(iter(types.values()))["result_t"],
            "layer_types": types, "layer_reuse_factors": layer_reuse_factors(hls_model)}
