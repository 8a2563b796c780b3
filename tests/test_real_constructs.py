"""The constructs real models contain: each transformation keeps every output bit, each new layer kind
gets exact types (or a caveat naming why Keras' float32 decides), and model files of every kind load."""

import json
import zipfile

import numpy as np
import pytest
import tensorflow as tf
from qkeras import QActivation, QConv1D, QConv2D, QDense, quantized_bits, quantized_relu

from hls import transforms
from hls.prepare import prepare
from quantize.formats import FixedFormat
from tests.helpers import one_line_error, run_cli

L = tf.keras.layers
W, B = quantized_bits(6, 0, alpha=1), quantized_bits(8, 3, alpha=1)


def _model(build, shape=(8, 8, 1), seed=0):
    tf.keras.utils.set_random_seed(seed)
    inp = L.Input(shape, name="x")
    model = tf.keras.Model(inp, build(inp))
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if layer.get_weights():
            layer.set_weights([rng.normal(0, 0.6, w.shape).astype(np.float32) if "variance" not in v.name else
                               rng.uniform(0.3, 2, w.shape).astype(np.float32)
                               for w, v in zip(layer.get_weights(), layer.weights)])
    return model


def _same_outputs(a, b, x):
    return np.array_equal(a.predict(x, verbose=0), b.predict(x, verbose=0))


def _q_in(x):
    return QActivation(quantized_bits(8, 2, keep_negative=False, alpha=1), name="in_q")(x)


def _fused(i):
    x = QConv2D(3, 3, kernel_quantizer=W, bias_quantizer=B, activation="relu", name="c1")(_q_in(i))
    x = QActivation(quantized_relu(6, 2), name="r1")(x)
    x = L.Dropout(0.5, name="drop")(x)
    x = QConv2D(2, 3, kernel_quantizer=W, bias_quantizer=B, activation="quantized_relu(5,1)", name="c2")(x)
    x = L.Activation("relu", name="float_relu")(x)
    x = QActivation(quantized_relu(6, 2), name="r2")(x)
    x = L.Flatten(name="fl")(x)
    return L.Activation("softmax", name="sm")(QDense(3, kernel_quantizer=W, bias_quantizer=B, name="d")(x))


@pytest.mark.unit
def test_inference_noops_fused_activations_and_redundant_relu_are_rewritten_bit_for_bit():
    model = _model(_fused)
    x = np.random.default_rng(1).uniform(-1, 5, (64, 8, 8, 1)).astype(np.float32)
    steps = [transforms.remove_noops, transforms.split_activations, transforms.drop_redundant_relu]
    out = transforms.strip_head(model)
    assert [l.name for l in out.layers][-1] == "d" and transforms.head_of(model) == "sm"
    for step in steps:
        new = step(out)
        assert _same_outputs(out, new, x), step.__name__
        out = new
    kinds = [type(l).__name__ for l in out.layers]
    assert "Dropout" not in kinds and "float_relu" not in [l.name for l in out.layers], kinds
    assert all(l.get_config().get("activation") in (None, "linear") for l in out.layers if hasattr(l, "kernel"))
    assert "c2_quantized_relu" in [l.name for l in out.layers]  # the fused quantizer became a QActivation


@pytest.mark.unit
def test_fused_relu_before_quantized_relu_is_guaranteed_exact():
    p = prepare(_model(_fused))
    assert p.guaranteed and p.head == "sm" and "c1_relu" not in p.types


@pytest.mark.unit
def test_fused_softmax_head_is_stripped_from_the_last_layer():
    def build(i):
        x = L.Flatten()(_q_in(i))
        return QDense(2, kernel_quantizer=W, bias_quantizer=B, activation="softmax", name="out")(x)

    model = _model(build)
    ref = transforms.logits_model(model)
    assert ref.layers[-1].get_config()["activation"] == "linear"
    x = np.random.default_rng(2).uniform(0, 3, (16, 8, 8, 1)).astype(np.float32)
    assert np.allclose(tf.nn.softmax(ref.predict(x, verbose=0)), model.predict(x, verbose=0), atol=1e-6)


@pytest.mark.unit
@pytest.mark.parametrize("build,layer,needle", [
    (lambda i: L.GlobalAveragePooling1D(name="gap")(QConv1D(3, 1, kernel_quantizer=W, bias_quantizer=B)(
        QActivation(quantized_bits(8, 2, alpha=1))(i))), "gap", "a mean over 10 values"),
    (lambda i: L.Flatten()(L.BatchNormalization(name="bn")(QConv1D(3, 1, kernel_quantizer=W, bias_quantizer=B)(
        QActivation(quantized_bits(8, 2, alpha=1))(i)))), "bn", "float BatchNormalization"),
    (lambda i: L.Flatten()(L.Conv1D(2, 3, name="fconv")(QActivation(quantized_bits(8, 2, alpha=1))(i))), "fconv",
     "float32 kernel"),
    (lambda i: L.Flatten()(QConv1D(2, 3, kernel_quantizer=quantized_bits(8, 2, alpha="auto"), bias_quantizer=B,
                                   name="auto")(QActivation(quantized_bits(8, 2, alpha=1))(i))), "auto", "float32 kernel"),
    (lambda i: L.Flatten()(QConv1D(2, 3, kernel_quantizer=quantized_bits(12, 3, alpha=1), bias_quantizer=B,
                                   name="wide")(QActivation(quantized_bits(16, 6, alpha=1))(i))), "wide", "float32's 24"),
])
def test_float_arithmetic_gets_a_caveat_naming_why(build, layer, needle):
    p = prepare(_model(build, shape=(10, 4)))
    assert p.exact and not p.guaranteed and needle in p.caveats[layer], p.caveats


@pytest.mark.unit
def test_power_of_two_means_and_padding_are_guaranteed():
    def build(i):
        x = L.ZeroPadding1D(1, name="pad")(QActivation(quantized_bits(8, 2, alpha=1))(i))
        x = QConv1D(3, 3, kernel_quantizer=W, bias_quantizer=B, name="c")(x)
        x = QActivation(quantized_relu(6, 2))(x)
        return QDense(2, kernel_quantizer=W, bias_quantizer=B)(L.GlobalAveragePooling1D(name="gap")(x))

    p = prepare(_model(build, shape=(8, 4)))
    assert p.guaranteed, p.caveats
    gap = FixedFormat.parse(p.types["gap"]["result"])
    assert gap.fractional == 4 + 3  # quantized_relu(6,2): 4 fractional bits, a mean over 8: 3 more


@pytest.mark.unit
def test_json_architecture_loads_with_its_weights_beside(tmp_path):
    from models import io

    def build(i):  # quantizers as strings, as in saved QKeras json (QKeras 0.9 cannot re-read objects there)
        x = QActivation("quantized_bits(8,2,0,alpha=1)", name="in_q")(i)
        x = QConv2D(3, 3, kernel_quantizer=W, bias_quantizer=B, activation="relu", name="c1")(x)
        x = L.Dropout(0.5)(QActivation("quantized_relu(6,2)", name="r1")(x))
        return L.Activation("softmax")(QDense(3, kernel_quantizer=W, bias_quantizer=B)(L.Flatten()(x)))

    model = _model(build)
    (tmp_path / "m.json").write_text(model.to_json())
    with pytest.raises(io.ModelFileError, match="no weights file is beside it.*m_weights.h5"):
        io.load(tmp_path / "m.json")
    model.save_weights(tmp_path / "m_weights.h5")
    again = io.load(tmp_path / "m.json")
    x = np.random.default_rng(3).uniform(0, 3, (8, 8, 8, 1)).astype(np.float32)
    assert _same_outputs(model, again, x)


def _newer_qkeras_file(tmp_path, mask):
    """A .keras file as a newer QKeras writes it: quantized_bits with post_training_scale, QConv2D with mask."""
    def build(i):  # string quantizers: QKeras 0.9 cannot re-read QActivation objects from a .keras file
        x = QActivation("quantized_bits(8,2,0,keep_negative=0,alpha=1)", name="in_q")(i)
        return L.Flatten()(QConv2D(2, 3, kernel_quantizer=W, bias_quantizer=B, name="conv")(x))

    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "old.keras"
    _model(build).save(path)
    with zipfile.ZipFile(path) as z:
        files = {n: z.read(n) for n in z.namelist()}
    cfg = json.loads(files["config.json"])
    for layer in cfg["config"]["layers"]:
        if layer["class_name"] == "QConv2D":
            layer["config"]["mask"] = mask
            layer["config"]["kernel_quantizer"]["config"]["post_training_scale"] = None
    files["config.json"] = json.dumps(cfg).encode()
    newer = tmp_path / "newer.keras"
    with zipfile.ZipFile(newer, "w") as z:
        for n, data in files.items():
            z.writestr(n, data)
    return path, newer


@pytest.mark.unit
def test_keras_file_of_a_newer_qkeras_loads_when_its_new_keys_are_noops(tmp_path):
    from models import io

    old, newer = _newer_qkeras_file(tmp_path, mask=None)
    x = np.random.default_rng(4).uniform(0, 3, (8, 8, 8, 1)).astype(np.float32)
    assert _same_outputs(io.load(old), io.load(newer), x)
    _, masked = _newer_qkeras_file(tmp_path / "m", mask=[[1.0]])
    with pytest.raises(io.ModelFileError, match="mask=.*newer QKeras"):
        io.load(masked)


@pytest.mark.integration
def test_bad_model_list_is_one_line(tmp_path):
    (tmp_path / "list.yaml").write_text("m: {model: a.h5, input_format: ap_fixed<8,3>, io_type: io_parallel, "
                                        "expect: exact, inputs: {n: 3, uniform: [0, 1]}}\n")
    one_line_error(run_cli("external", tmp_path / "list.yaml", "--root", tmp_path), "expect must be one of")


@pytest.mark.unit
def test_threshold_realization_moves_offsets_to_reproduce_keras_steps(monkeypatch):
    """Keras' float32 steps that an exact s*x + o would put elsewhere are reproduced by moving o."""
    from hls import thresholds

    in_fmt, out_fmt = FixedFormat(8, 3, True), FixedFormat(6, 2, False)
    s, o = np.array([0.75, 1.25]), np.array([0.1, -0.3])
    shifted = o + np.array([0.0, 0.02])  # "Keras" rounds as if channel 1's offset were a little higher
    monkeypatch.setattr(thresholds, "_keras_steps",
                        lambda bn, q, grid, n: thresholds._firmware(grid, s, shifted, out_fmt))
    before = thresholds._firmware(np.arange(256) * in_fmt.lsb + in_fmt.min, s, o, out_fmt)
    assert np.any(before != thresholds._firmware(np.arange(256) * in_fmt.lsb + in_fmt.min, s, shifted, out_fmt))
    r = thresholds.realize(None, None, in_fmt, s, o, out_fmt, fractional=12)
    assert r.n_differing == 0 and r.n_channels_adjusted == 1 and r.offsets[0] == o[0]


@pytest.mark.unit
def test_float_batchnorm_before_a_quantizer_is_proven_on_every_input():
    def build(i):
        x = QDense(6, kernel_quantizer=W, use_bias=False, name="d")(L.Flatten()(_q_in(i)))
        x = QActivation(quantized_relu(6, 2), name="r")(L.BatchNormalization(name="bn")(x))
        return QDense(2, kernel_quantizer=W, bias_quantizer=B, name="out")(x)

    p = prepare(_model(build, shape=(3, 3, 1)))
    assert p.guaranteed and p.proofs["bn"]["n_differing"] == 0, (p.caveats, p.proofs)
    assert p.proofs["bn"]["n_values_checked"] == 6 * 2 ** FixedFormat.parse(p.types["d"]["result"]).width


@pytest.mark.unit
def test_what_hls4ml_cannot_build_is_refused_with_its_io_type():
    from hls.convert import check_io_support
    from hls.precision import UnsupportedLayer
    from qkeras import QDepthwiseConv2D

    def build(k, s, m=1):
        return lambda i: L.Flatten()(QDepthwiseConv2D(k, strides=s, depth_multiplier=m, depthwise_quantizer=W,
                                                      bias_quantizer=B, name="dw")(_q_in(i)))

    with pytest.raises(UnsupportedLayer, match="layer 'dw': depth_multiplier 2 is not implemented by hls4ml"):
        prepare(_model(build(3, 1, m=2)))
    strided_pointwise = prepare(_model(build(1, 2))).model
    check_io_support(strided_pointwise, "io_parallel")
    with pytest.raises(UnsupportedLayer, match="io_stream depthwise kernel computes a 1-wide kernel with stride 2"):
        check_io_support(strided_pointwise, "io_stream")
    check_io_support(prepare(_model(build(3, 2))).model, "io_stream")


def _residual_inception(one_d):
    conv = QConv1D if one_d else QConv2D

    def build(i):
        x = _q_in(i)
        x = QActivation(quantized_relu(6, 2), name="r0")(conv(3, 3, kernel_quantizer=W, bias_quantizer=B, name="c0")(x))
        y = QActivation(quantized_relu(6, 2), name="r1")(
            conv(3, 3, padding="same", kernel_quantizer=W, bias_quantizer=B, name="c1")(x))
        x = QActivation(quantized_relu(7, 3), name="r2")(L.Add(name="skip")([x, y]))
        a = QActivation(quantized_relu(5, 2), name="ra")(conv(2, 1, kernel_quantizer=W, bias_quantizer=B, name="ca")(x))
        b = QActivation(quantized_bits(6, 2, alpha=1), name="rb")(
            conv(2, 3, padding="same", kernel_quantizer=W, bias_quantizer=B, name="cb")(x))
        x = L.Concatenate(name="cat")([a, b])
        return QDense(2, kernel_quantizer=W, bias_quantizer=B, name="out")(L.Flatten()(x))
    return build


@pytest.mark.unit
def test_residual_and_inception_blocks_get_exact_merge_types():
    p = prepare(_model(_residual_inception(one_d=False)))
    assert p.guaranteed, p.caveats
    assert FixedFormat.parse(p.types["skip"]["result"]) == FixedFormat(7, 3, False)  # [0, 3.75] + [0, 3.75]
    assert FixedFormat.parse(p.types["cat"]["result"]) == FixedFormat(6, 3, True)  # holds ufixed<5,2> and fixed<6,3>


@pytest.mark.unit
def test_graphs_hls4ml_cannot_express_are_refused():
    from hls.graph import UnsupportedGraph

    inp = L.Input((4, 4, 1))
    x = _q_in(inp)
    two = tf.keras.Model(inp, [L.Flatten()(x), L.Flatten()(x)])
    with pytest.raises(UnsupportedGraph, match="1 inputs and 2 outputs"):
        prepare(two)


@pytest.mark.integration
@pytest.mark.parametrize("one_d,io_type", [(False, "io_parallel"), (False, "io_stream"), (True, "io_parallel")])
def test_residual_and_inception_blocks_are_bit_exact(one_d, io_type):
    from hls.check import check_model
    from hls.settings import DEFAULTS

    model = _model(_residual_inception(one_d), shape=(10, 2) if one_d else (8, 8, 1))
    x = np.random.default_rng(5).uniform(-1, 5, (300, *model.input_shape[1:])).astype(np.float32)
    res = check_model(model, x, DEFAULTS.with_(io_type=io_type))
    assert res["bit_exact_fraction"] == 1.0 and res["guaranteed"], res["diagnosis"]


@pytest.mark.unit
def test_one_d_branches_in_io_stream_are_refused():
    from hls.convert import check_io_support
    from hls.precision import UnsupportedLayer

    p = prepare(_model(_residual_inception(one_d=True), shape=(10, 2)))
    with pytest.raises(UnsupportedLayer, match="layer 'r0': hls4ml 1.3's io_stream copies a 1D tensor"):
        check_io_support(p.model, "io_stream")


@pytest.mark.unit
def test_config_layer_kinds_build_every_new_construct():
    from common.checks import Checker
    from models.builder import LAYER_KINDS, build

    arch = []
    for kind, args in [("conv1d", {"filters": 3, "kernel": 3}), ("relu", {"format": "ap_ufixed<6,2>"}),
                       ("separable_conv", {"filters": 4, "kernel": 3}), ("batchnorm", {}),
                       ("relu", {"format": "ap_ufixed<6,2>"}), ("zeropad", {"size": 1}), ("maxpool", {"size": 2}),
                       ("dropout", {"rate": 0.1}), ("global_avgpool", {}), ("dense", {"units": 2})]:
        a = LAYER_KINDS[kind].check(Checker("t"), args, "a")
        arch.append((kind, {k: ("ap_fixed<6,1>" if v is None else v) for k, v in a.items()}))
    model = build(arch, (18, 2), "ap_ufixed<8,2>", "t", quantized=True)  # 18-2-2+2 = 16, pooled to 8
    kinds = [type(l).__name__ for l in model.layers]
    for k in ("QConv1D", "QSeparableConv1D", "BatchNormalization", "ZeroPadding1D", "MaxPooling1D", "Dropout",
              "GlobalAveragePooling1D"):
        assert k in kinds, kinds
    p = prepare(model)
    assert p.proofs["batchnorm1"]["n_differing"] == 0 and p.guaranteed, (p.caveats, p.proofs)
    assert "depthwise_conv" in LAYER_KINDS and "global_maxpool" in LAYER_KINDS


@pytest.mark.integration
def test_qbatchnormalization_before_a_quantizer_is_proven_and_bit_exact():
    from qkeras import QBatchNormalization

    from hls.check import check_model
    from hls.settings import DEFAULTS

    def build(i):
        x = QConv2D(3, 3, kernel_quantizer=W, bias_quantizer=B, name="c")(_q_in(i))
        x = QBatchNormalization(gamma_quantizer=quantized_bits(8, 2, alpha=1), beta_quantizer=quantized_bits(8, 3, alpha=1),
                                mean_quantizer=quantized_bits(8, 3, alpha=1), name="qbn")(x)
        x = QActivation(quantized_relu(6, 2), name="r")(x)
        return QDense(2, kernel_quantizer=W, bias_quantizer=B, name="out")(L.Flatten()(x))

    model = _model(build, shape=(6, 6, 1))
    p = prepare(model)
    assert p.guaranteed and p.proofs["qbn"]["n_differing"] == 0, (p.caveats, p.proofs)
    x = np.random.default_rng(6).uniform(-1, 5, (300, 6, 6, 1)).astype(np.float32)
    res = check_model(model, x, DEFAULTS, prepared=p)
    assert res["bit_exact_fraction"] == 1.0, res["diagnosis"]


@pytest.mark.unit
def test_config_blocks_whose_branches_disagree_are_one_line():
    from models.builder import ArchitectureError, build

    conv = ("conv", {"filters": 3, "kernel": 3, "strides": 1, "padding": "valid", "weight": "ap_fixed<6,1>",
                     "bias": "ap_fixed<8,3>"})
    with pytest.raises(ArchitectureError, match=r"residual block 'residual1': its branches give shapes "
                                                r"\(6, 6, 3\), \(8, 8, 1\); keep the input's shape"):
        build((("residual", {"layers": (conv,), "shortcut": ()}), ("flatten", {})), (8, 8, 1), "ap_ufixed<8,2>",
              "t", quantized=True)


@pytest.mark.unit
def test_float_batchnorm_on_a_wide_input_keeps_its_top_bits():
    """Named defect (found by the focused sweep): a float BatchNormalization after a float conv built a
    format wider than 64 bits and failed; now it keeps the top bits and says so."""
    def build(i):
        x = QActivation(quantized_bits(16, 4, alpha=1), name="in16")(i)
        x = L.BatchNormalization(name="bn")(L.Conv2D(2, 3, name="fconv")(x))
        return QDense(2, kernel_quantizer=W, bias_quantizer=B, name="out")(
            L.Flatten()(QActivation(quantized_relu(8, 2), name="r")(x)))

    p = prepare(_model(build, shape=(6, 6, 1)))
    assert "fractional bits to fit 64 bits" in p.caveats["bn"], p.caveats
    assert FixedFormat.parse(p.types["bn"]["bias"]).width <= 64
