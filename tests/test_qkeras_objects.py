"""models.qkeras_objects: the custom objects of saved QKeras models, and QDenseBatchnorm (QKeras
pull request #74, unreleased) reimplemented for QKeras 0.9.0, bit for bit."""

import numpy as np
import pytest
import tensorflow as tf
from qkeras import QActivation, quantized_bits
from qkeras.utils import _add_supported_quantized_objects

from models.qkeras_objects import QDenseBatchnorm, qkeras_objects

pytestmark = pytest.mark.unit

EPS = 0.001


def _kernel_q():
    return quantized_bits(6, 0, alpha=1)


def _bias_q():
    return quantized_bits(10, 3, alpha=1)


def _randomize(model, seed=0):
    """Random weights and non-trivial batch-norm statistics (positive variances, a step count)."""
    rng = np.random.default_rng(seed)
    weights = []
    for w in model.weights:
        name = w.name.split("/")[-1]
        if w.dtype == tf.int64:  # the layer's iteration counter
            weights.append(np.array(int(rng.integers(0, 100)), np.int64))
        elif name.startswith("moving_variance"):
            weights.append(rng.uniform(0.05, 4.0, w.shape).astype(np.float32))
        elif name.startswith("gamma"):
            weights.append(rng.uniform(0.3, 2.0, w.shape).astype(np.float32) * rng.choice([-1, 1], w.shape))
        else:  # kernel, bias, beta, moving_mean
            weights.append(rng.normal(0, 1.0, w.shape).astype(np.float32))
    model.set_weights(weights)
    return model


def _inputs(n=64, features=16, seed=1):
    return np.random.default_rng(seed).normal(0, 2.0, (n, features)).astype(np.float32)


def _sequential():
    # no InputLayer: the first layer carries input_shape (its config holds batch_input_shape)
    return tf.keras.Sequential([
        QDenseBatchnorm(8, kernel_quantizer=_kernel_q(), bias_quantizer=_bias_q(), input_shape=(16,)),
        QActivation("quantized_relu(8,3)"),
        QDenseBatchnorm(4, kernel_quantizer="quantized_bits(4,0,alpha=1)", bias_quantizer=_bias_q(), use_bias=False,
                        folding_mode="batch_stats_folding", ema_freeze_delay=10),
    ])


def _functional():
    inp = tf.keras.Input((16,), name="inputs_")
    x = QDenseBatchnorm(8, kernel_quantizer=_kernel_q(), bias_quantizer=_bias_q(), name="dense1")(inp)
    x = QActivation("quantized_relu(10,6)", name="relu1")(x)
    x = QDenseBatchnorm(4, kernel_quantizer=quantized_bits(8, 1, alpha="auto_po2"), bias_quantizer=_bias_q(),
                        momentum=0.9, epsilon=1e-2, name="dense2")(x)
    return tf.keras.Model(inp, x)


# --- (a) the custom objects ---

def test_objects_cover_qkeras_and_qdense_batchnorm():
    objects = qkeras_objects()
    for name in ("QDenseBatchnorm", "QConv2DBatchnorm", "QDepthwiseConv2DBatchnorm", "QAveragePooling2D",
                 "QGlobalAveragePooling2D", "quantized_bits", "quantized_relu"):
        assert name in objects, name
    supported = {}
    _add_supported_quantized_objects(supported)
    for name, obj in supported.items():
        assert objects[name] is obj, name
    assert "quantized_hswish" in objects  # defined by QKeras 0.9.0, missed by _add_supported_quantized_objects
    import qkeras
    if not hasattr(qkeras, "QDenseBatchnorm"):
        assert objects["QDenseBatchnorm"] is QDenseBatchnorm
    for name, obj in vars(qkeras).items():  # every Keras layer QKeras exports
        if isinstance(obj, type) and obj.__module__.startswith("qkeras") and issubclass(obj, tf.keras.layers.Layer):
            assert objects.get(name) is obj, name
    objects.clear()
    assert qkeras_objects(), "each call returns a fresh dict"


def test_weight_order_and_names_follow_qkeras():
    model = _sequential()
    layer, no_bias = model.layers[0], model.layers[2]
    names = [w.name.split("/")[-1].split(":")[0] for w in layer.weights]
    assert names == ["kernel", "bias", "gamma", "beta", "iteration", "moving_mean", "moving_variance"]
    assert [w.name.split("/")[-1].split(":")[0] for w in no_bias.weights] == [
        "kernel", "gamma", "beta", "iteration", "moving_mean", "moving_variance"]
    assert layer.weights[4] is layer._iteration and layer.weights[2] is layer.batchnorm.gamma


# --- (b) save and load ---

@pytest.mark.parametrize("build", [_sequential, _functional], ids=["sequential", "functional"])
@pytest.mark.parametrize("suffix", [".h5", ".keras"])
def test_saved_model_loads_with_identical_outputs(tmp_path, build, suffix):
    model = _randomize(build())
    x = _inputs()
    expected = model.predict(x, verbose=0)
    path = tmp_path / f"model{suffix}"
    model.save(path)
    loaded = tf.keras.models.load_model(path, custom_objects=qkeras_objects(), compile=False)
    assert [type(l).__name__ for l in loaded.layers] == [type(l).__name__ for l in model.layers]
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), expected)
    np.testing.assert_array_equal(loaded(x, training=False).numpy(), expected)
    assert loaded.layers[0].get_config() == model.layers[0].get_config()


# --- (c) the inference formula ---

def _reference(layer, x, kernel_quantizer, bias_quantizer):
    """QKeras' formula on the folded weights, float32: inv = rsqrt(var + eps) * gamma (TF's rsqrt, as QKeras
    uses: it is not the correctly rounded 1/sqrt), y = x @ q(inv * W) + q(inv * (b - mean) + beta)."""
    w = [np.asarray(v) for v in layer.get_weights()]
    if layer.use_bias:
        kernel, bias, gamma, beta, _, mean, var = w
    else:
        (kernel, gamma, beta, _, mean, var), bias = w, np.float32(0)
    inv = tf.math.rsqrt(tf.constant(var + np.float32(layer.batchnorm.epsilon))).numpy() * gamma
    folded_kernel = inv * kernel
    folded_bias = inv * (bias - mean) + beta
    q_kernel = np.asarray(kernel_quantizer(tf.constant(folded_kernel)))
    q_bias = np.asarray(bias_quantizer(tf.constant(folded_bias)))
    return folded_kernel, folded_bias, tf.linalg.matmul(x, q_kernel).numpy() + q_bias, q_kernel, q_bias


@pytest.mark.parametrize("folding_mode", ["ema_stats_folding", "batch_stats_folding"])
@pytest.mark.parametrize("use_bias", [True, False])
@pytest.mark.parametrize("ema_freeze_delay", [None, 5])
def test_inference_is_the_folded_formula_bit_for_bit(folding_mode, use_bias, ema_freeze_delay):
    layer = QDenseBatchnorm(8, kernel_quantizer=_kernel_q(), bias_quantizer=_bias_q(), use_bias=use_bias,
                            folding_mode=folding_mode, ema_freeze_delay=ema_freeze_delay, epsilon=EPS)
    model = tf.keras.Sequential([layer])
    model.build((None, 16))
    _randomize(model, seed=3)
    x = _inputs(seed=4)
    folded_kernel, folded_bias, expected, q_kernel, q_bias = _reference(layer, x, _kernel_q(), _bias_q())
    assert not np.array_equal(folded_kernel, layer.get_weights()[0]), "batch norm statistics are not trivial"

    np.testing.assert_array_equal(layer(x, training=False).numpy(), expected)
    np.testing.assert_array_equal(model.predict(x, verbose=0), expected)  # graph mode too
    got_kernel, got_bias = layer.get_folded_weights()
    np.testing.assert_array_equal(got_kernel.numpy(), folded_kernel)
    np.testing.assert_array_equal(got_bias.numpy(), folded_bias)

    # on a fixed-point grid every product and sum is exact: plain numpy, in any order, must agree
    x_grid = np.round(x * 16) / 16
    exact = (x_grid.astype(np.float64) @ q_kernel.astype(np.float64) + q_bias).astype(np.float32)
    np.testing.assert_array_equal(layer(x_grid, training=False).numpy(), exact)


def test_training_keeps_inference_the_folded_formula():
    """After fitting (batch statistics, moving averages, iteration all move) inference is still the formula."""
    model = _randomize(_functional())
    model.compile(tf.keras.optimizers.SGD(0.01), "mse")
    x = _inputs(seed=5)
    before = [np.asarray(v) for v in model.layers[1].weights]
    model.fit(x, np.zeros((len(x), 4), np.float32), epochs=1, batch_size=16, verbose=0)
    layer = model.layers[1]
    moved = {w.name.split("/")[-1].split(":")[0]: not np.array_equal(a, np.asarray(w))
             for a, w in zip(before, layer.weights)}
    # (the bias cancels against the batch mean while training, so it need not move)
    assert all(moved[k] for k in ("kernel", "gamma", "beta", "iteration", "moving_mean", "moving_variance")), moved
    assert int(layer._iteration.numpy()) == int(before[4]) + len(x) // 16
    first = tf.keras.Model(model.input, layer.output)
    np.testing.assert_array_equal(first.predict(x, verbose=0), _reference(layer, x, _kernel_q(), _bias_q())[2])


# --- (d) a config as QKeras' own QDenseBatchnorm.get_config writes it ---

def _quantizer(bits, integer):
    return {"class_name": "quantized_bits",
            "config": {"bits": bits, "integer": integer, "symmetric": 1, "alpha": 1.0, "keep_negative": True,
                       "use_stochastic_rounding": False, "qnoise_factor": 1.0}}


def _initializer(class_name, config=None):
    return {"class_name": class_name, "config": config or {}}


# CICADA's dense1 (QDenseBatchnorm(16, kernel_quantizer=quantized_bits(8, 1, 1, alpha=1.0),
# bias_quantizer=quantized_bits(8, 3, 1, alpha=1.0))) as QKeras' get_config writes it in an .h5 file:
# QDense's keys, then BatchNormalization's (axis already built), then ema_freeze_delay and folding_mode.
MASTER_CONFIG = {
    "name": "dense1", "trainable": True, "dtype": "float32", "batch_input_shape": [None, 252],
    "units": 16, "activation": "linear", "use_bias": True,
    "kernel_initializer": _initializer("QInitializer", {
        "initializer": _initializer("HeNormal", {"seed": None}), "use_scale": True, "quantizer": _quantizer(8, 1)}),
    "bias_initializer": _initializer("Zeros"),
    "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
    "kernel_constraint": _initializer("Clip", {"min_value": -2.0, "max_value": 2.0}),
    "bias_constraint": _initializer("Clip", {"min_value": -8.0, "max_value": 8.0}),
    "kernel_quantizer": _quantizer(8, 1), "bias_quantizer": _quantizer(8, 3),
    "kernel_range": None, "bias_range": None,
    "axis": [1], "momentum": 0.99, "epsilon": 0.001, "center": True, "scale": True,
    "beta_initializer": _initializer("Zeros"), "gamma_initializer": _initializer("Ones"),
    "moving_mean_initializer": _initializer("Zeros"), "moving_variance_initializer": _initializer("Ones"),
    "beta_regularizer": None, "gamma_regularizer": None, "beta_constraint": None, "gamma_constraint": None,
    "ema_freeze_delay": None, "folding_mode": "ema_stats_folding",
}


@pytest.mark.parametrize("extra", [{}, {"momentum": 0.9, "epsilon": 0.01, "ema_freeze_delay": 2000,
                                        "folding_mode": "batch_stats_folding", "activation": "quantized_relu(8,3)"}],
                         ids=["cicada", "variant"])
def test_master_config_goes_through_from_config(extra):
    config = {**MASTER_CONFIG, **extra}
    with tf.keras.utils.custom_object_scope(qkeras_objects()):  # as load_model provides them
        layer = QDenseBatchnorm.from_config(config)
    assert layer.name == "dense1" and layer.units == 16
    bn = layer.batchnorm
    assert (bn.epsilon, bn.momentum, bn.axis) == (config["epsilon"], config["momentum"], [1])
    assert layer.folding_mode == config["folding_mode"] and layer.ema_freeze_delay == config["ema_freeze_delay"]
    assert (layer.kernel_quantizer_internal.bits, layer.kernel_quantizer_internal.integer) == (8, 1)
    assert (layer.bias_quantizer_internal.bits, layer.bias_quantizer_internal.integer) == (8, 3)
    model = tf.keras.Sequential([layer])
    model.build((None, 252))
    assert len(layer.weights) == 7
    again = layer.get_config()
    assert set(again) == set(config)
    assert {k: again[k] for k in ("units", "axis", "epsilon", "momentum", "ema_freeze_delay", "folding_mode")} == \
        {k: config[k] for k in ("units", "axis", "epsilon", "momentum", "ema_freeze_delay", "folding_mode")}
    QDenseBatchnorm.from_config(again)  # and its own config round-trips


def test_bad_folding_mode_is_refused():
    with pytest.raises(ValueError, match="folding_mode"):
        QDenseBatchnorm(4, folding_mode="fold_everything")
