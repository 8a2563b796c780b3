"""hls4ml projects for the calibration designs whose authors published reports but no firmware
(shared/fixtures/hls_reports/: hls4ml_dense_xc7z020, svhn_cnn_pruned_float, svhn_cnn_pruned_qkeras6).

Each is rebuilt from its documented architecture and settings and written by hls4ml 1.3 (Vivado
backend, the report's part and clock). Weights are not published: the dense model and the float
SVHN CNN take seeded ones (their 16-bit constants are all DSP-sized, so which ones they are hardly
matters), the QKeras SVHN CNN takes the trained weights of another run of the same tutorial
architecture (shared/fixtures/external_models/hls4ml_tutorial_svhn_qcnn_h5), whose weight bit
patterns decide DSP against LUT as trained ones do. Every rebuild says so in its `note`.
"""
from __future__ import annotations

import contextlib
import io
from pathlib import Path

import numpy as np

SEED = 1
SVHN_PART = "xcu250-figd2104-2L-e"


def _convert(model, out_dir, io_type, part, clock, granularity="name", layer_precision=None, **kwargs):
    import hls4ml

    cfg = hls4ml.utils.config_from_keras_model(model, granularity=granularity, backend="Vivado", **kwargs)
    for name, layer_cfg in cfg.get("LayerName", {}).items():
        for prefix, precision in (layer_precision or {}).items():
            if name.startswith(prefix):
                layer_cfg["Precision"]["result"] = precision
    with contextlib.redirect_stdout(io.StringIO()):
        hls_model = hls4ml.converters.convert_from_keras_model(
            model, hls_config=cfg, output_dir=str(out_dir), backend="Vivado", io_type=io_type, part=part,
            clock_period=clock)
        hls_model.write()
    return Path(out_dir)


def _prune(model, fraction=0.5, skip=("output_dense",)):
    """Magnitude pruning as tfmot leaves it: the smallest `fraction` of each kernel exactly zero."""
    for layer in model.layers:
        if layer.name in skip or not any("kernel" in w.name for w in layer.weights):
            continue
        weights = layer.get_weights()
        kernel = weights[0]
        cut = np.sort(np.abs(kernel).ravel())[int(fraction * kernel.size) - 1]
        weights[0] = np.where(np.abs(kernel) <= cut, 0.0, kernel).astype(kernel.dtype)
        layer.set_weights(weights)


def _spread_batchnorm(model):
    """BatchNorm statistics spread as after training (scales 0.5-1.5, variances 0.05-1)."""
    rng = np.random.default_rng(SEED)
    draw = {"gamma": lambda n: rng.uniform(0.5, 1.5, n), "beta": lambda n: rng.normal(0, 0.1, n),
            "moving_mean": lambda n: rng.normal(0, 0.1, n),
            "moving_variance": lambda n: np.exp(rng.uniform(np.log(0.05), 0.0, n))}
    for layer in model.layers:
        names = [w.name.split("/")[-1].split(":")[0] for w in layer.weights]
        if any(n in draw for n in names):
            layer.set_weights([draw[n](w.shape).astype("float32") if n in draw else w
                               for n, w in zip(names, layer.get_weights())])


def dense_xc7z020(out_dir):
    """hls4ml's report test model: Dense(5, relu) 'fc1' on 16 inputs, model-level defaults
    (ap_fixed<16,6>, Latency, RF 1), io_stream as its csynth report shows (AXI-stream ports, FIFOs)."""
    import tensorflow as tf

    tf.keras.utils.set_random_seed(SEED)
    model = tf.keras.Sequential([tf.keras.layers.Dense(5, input_shape=(16,), name="fc1", activation="relu")])
    return _convert(model, out_dir, "io_stream", "xc7z020clg400-1", 5, granularity="model")


def _svhn_float():
    import tensorflow as tf
    from tensorflow.keras.layers import Activation, BatchNormalization, Conv2D, Dense, Flatten, Input, MaxPooling2D

    tf.keras.utils.set_random_seed(SEED)
    x = x_in = Input((32, 32, 3))
    for i, filters in enumerate((16, 16, 24)):
        x = Conv2D(filters, (3, 3), kernel_initializer="lecun_uniform", use_bias=False, name=f"conv_{i}")(x)
        x = BatchNormalization(name=f"bn_conv_{i}")(x)
        x = Activation("relu", name=f"conv_act_{i}")(x)
        x = MaxPooling2D((2, 2), name=f"pool_{i}")(x)
    x = Flatten()(x)
    for i, units in enumerate((42, 64)):
        x = Dense(units, kernel_initializer="lecun_uniform", use_bias=False, name=f"dense_{i}")(x)
        x = BatchNormalization(name=f"bn_dense_{i}")(x)
        x = Activation("relu", name=f"dense_act_{i}")(x)
    x = Dense(10, kernel_initializer="lecun_uniform", name="output_dense")(x)
    model = tf.keras.Model(x_in, Activation("softmax", name="output_softmax")(x))
    _prune(model)
    _spread_batchnorm(model)
    return model


def svhn_float(out_dir):
    """The hls4ml-tutorial SVHN CNN in float (3 x Conv2D+BN+ReLU+MaxPool, 2 x Dense+BN+ReLU, Dense(10)),
    50% pruned, ap_fixed<16,6> everywhere, io_stream; seeded weights."""
    return _convert(_svhn_float(), out_dir, "io_stream", SVHN_PART, 5, default_precision="ap_fixed<16,6>",
                    max_precision="ap_fixed<16,6>")


def svhn_qkeras6(out_dir, external_models: Path):
    """The same architecture in QKeras (QConv2DBatchnorm 6-bit, quantized_relu(6), QDense 6-bit + BN),
    with the trained weights of another run of it; ap_fixed<16,6> where QKeras sets no type and on the
    pooling outputs, as the report's 16-bit FIFOs show."""
    from models import io as model_io

    model = model_io.load(external_models / "hls4ml_tutorial_svhn_qcnn_h5" / "keras_model.h5")
    return _convert(model, out_dir, "io_stream", SVHN_PART, 5, default_precision="ap_fixed<16,6>",
                    max_precision="ap_fixed<16,6>", layer_precision={"pool": "ap_fixed<16,6>"})


# fixture folder -> (rebuild(out_dir, external_models) -> project path, what differs from the real design)
REBUILDS = {
    "hls4ml_dense_xc7z020": (lambda out, ext: dense_xc7z020(out), "seeded weights (the report's are unpublished)"),
    "svhn_cnn_pruned_float": (lambda out, ext: svhn_float(out), "seeded weights, 50% magnitude-pruned"),
    "svhn_cnn_pruned_qkeras6": (svhn_qkeras6, "trained weights of another run of the same architecture "
                                              "(external_models/hls4ml_tutorial_svhn_qcnn_h5)"),
}
