"""The emulator's fixed-point arithmetic (hls/emulate/fixed.py) against the ap_fixed semantics: every
quantization and overflow mode on values chosen at the ties and edges. That the emulator equals the C
simulation on whole models is checked where the C simulation runs (tests/test_bit_exact.py, the csim
stage, `l1cnn verify`, the sweep)."""

import numpy as np
import pytest

from hls.emulate.fixed import BadInput, NotEmulated, carrier, from_float, quantize
from hls.project import parse_type


HALVES = np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.25, -0.75])  # in LSBs of the target type
ROUNDED = {  # ap_fixed quantization modes (UG1399, "Quantization Modes")
    "TRN": [0, 1, 2, -1, -2, -3, 0, -1],
    "TRN_ZERO": [0, 1, 2, 0, -1, -2, 0, 0],
    "RND": [1, 2, 3, 0, -1, -2, 0, -1],
    "RND_ZERO": [0, 1, 2, 0, -1, -2, 0, -1],
    "RND_MIN_INF": [0, 1, 2, -1, -2, -3, 0, -1],
    "RND_INF": [1, 2, 3, -1, -2, -3, 0, -1],
    "RND_CONV": [0, 2, 2, 0, -2, -2, 0, -1],
}


@pytest.mark.unit
@pytest.mark.parametrize("mode", sorted(ROUNDED))
def test_quantization_modes_at_ties(mode):
    t = parse_type(f"ap_fixed<8,8,AP_{mode},AP_WRAP>")  # integer LSB
    assert quantize(np.int64(HALVES * 4).astype(np.int64), 2, t).tolist() == ROUNDED[mode]  # fixed -> fixed
    assert from_float(HALVES, t).tolist() == ROUNDED[mode]  # float -> fixed (the input conversion)


@pytest.mark.unit
@pytest.mark.parametrize("mode,expect", [("WRAP", [-8, -7, 7, 7, -8]), ("SAT", [7, 7, -8, 7, -8]),
                                         ("SAT_ZERO", [0, 0, 0, 7, -8]), ("SAT_SYM", [7, 7, -7, 7, -7])])
def test_overflow_modes_signed(mode, expect):
    t = parse_type(f"ap_fixed<4,4,AP_TRN,AP_{mode}>")
    assert quantize(np.array([8, 9, -9, 7, -8]), 0, t).tolist() == expect


@pytest.mark.unit
def test_overflow_unsigned_and_wide_inputs():
    assert quantize(np.array([17, -1, 15]), 0, parse_type("ap_ufixed<4,4>")).tolist() == [1, 15, 15]
    assert quantize(np.array([17, -1, 15]), 0, parse_type("ap_ufixed<4,4,AP_TRN,AP_SAT>")).tolist() == [15, 0, 15]
    # fractional bits added exactly; beyond 62 bits in Python integers, never approximately
    assert quantize(np.array([3]), 0, parse_type("ap_fixed<16,6>")).tolist() == [3 << 10]
    assert quantize(np.array([3]), 0, parse_type("ap_fixed<80,7>")).tolist() == [3 << 73]
    assert quantize(np.array([(1 << 75) + 1], dtype=object), 0, parse_type("ap_fixed<70,70>")).tolist() == [1]


@pytest.mark.unit
def test_bad_inputs_are_refused_in_one_line():
    t = parse_type("ap_fixed<8,3>")
    with pytest.raises(BadInput, match="NaN or infinite"):
        from_float(np.array([0.5, np.nan]), t)
    with pytest.raises(BadInput, match="beyond any"):
        from_float(np.array([1e300]), t)
    # in range of the double but not of the type: the type's own overflow mode, as the firmware does
    assert from_float(np.array([100.0]), parse_type("ap_fixed<8,3,AP_TRN,AP_SAT>")).tolist() == [127]


MODES = sorted(ROUNDED)


@pytest.mark.unit
@pytest.mark.parametrize("saturation", ["WRAP", "SAT", "SAT_ZERO", "SAT_SYM"])
def test_every_carrier_gives_the_same_integers(saturation):
    """float32 (to 24 bits), float64 (to 53) and int64 carriers of the same integers: the same result for
    every quantization mode, shifts both ways, values at the ties and beyond the range."""
    rng = np.random.default_rng(3)
    q = np.concatenate([rng.integers(-(1 << 23), 1 << 23, 4000), [0, 1, -1, (1 << 23) - 1, -(1 << 23)]])
    for mode in MODES:
        for text, frac in (("ap_fixed<8,3>", 9), ("ap_fixed<12,4>", 3), ("ap_ufixed<6,2>", 12), ("ap_fixed<30,10>", 4),
                           ("ap_fixed<70,20>", 5)):
            t = parse_type(f"{text[:-1]},AP_{mode},AP_{saturation}>")
            ref = quantize(q.astype(np.int64), frac, t)
            assert ref.dtype == carrier(t.width)  # the type's carrier
            assert np.array_equal(ref, quantize(q.astype(object), frac, t))  # Python integers
            for dtype in (np.float32, np.float64):
                got = quantize(q.astype(dtype), frac, t)
                assert np.array_equal(got, ref), (mode, text, dtype)


@pytest.mark.unit
def test_carrier_boundaries_and_exact_matrix_products():
    from hls.emulate.fixed import as_carrier
    from hls.emulate.layers import matmul

    assert [carrier(b) for b in (1, 24, 25, 53, 54, 62, 63)] == [np.float32, np.float32, np.float64, np.float64,
                                                                  np.int64, np.int64, object]
    rng = np.random.default_rng(5)
    for bits in (24, 25, 53, 54, 70):  # partial sums reach 2**bits: float32 would round at 25 bits
        x = rng.integers(0, 1 << min(bits // 2, 62), (64, 40)).astype(object) * (1 << max(bits // 2 - 62, 0)) | 1
        w = rng.integers(-(1 << (bits - bits // 2 - 6)), 1 << (bits - bits // 2 - 6), (40, 8)).astype(object)
        reach = (int(np.abs(w).sum(axis=0).max()) << (bits // 2)).bit_length()
        exact = x @ w  # Python integers
        x, w = (x, w) if bits > 62 else (x.astype(np.int64), w.astype(np.int64))
        assert np.array_equal(as_carrier(matmul(x, w, reach), object), exact), bits


@pytest.mark.integration
def test_emulate_command_equals_the_c_simulation(tmp_path):
    """`l1cnn emulate` on a written project, in batches into a .npy: the C simulation's outputs exactly;
    bad inputs get one line and exit 2, and no output file."""
    from hls.convert import write_project
    from hls.csim import CSim
    from hls.prepare import prepare
    from hls.settings import DEFAULTS
    from tests.helpers import inputs, one_line_error, random_model, run_cli

    project = tmp_path / "prj"
    write_project(prepare(random_model(11)), DEFAULTS, project, stamp="0badcafe")
    x = inputs(300, 5)
    np.save(tmp_path / "x.npy", x)
    r = run_cli("emulate", project, "--inputs", tmp_path / "x.npy", "--out", tmp_path / "y.npy", "--batch-size", "64")
    assert r.returncode == 0, r.stderr
    assert np.array_equal(np.load(tmp_path / "y.npy"), CSim(project).predict(x))
    np.save(tmp_path / "bad.npy", np.where(np.arange(x.size).reshape(x.shape) == 7, np.nan, x))
    for args, needle in ((("--inputs", tmp_path / "bad.npy"), "NaN or infinite"),
                         (("--inputs", tmp_path / "y.npy"), "reshape them"),
                         (("--inputs", tmp_path / "missing.npy"), "does not exist")):
        r = run_cli("emulate", project, *args, "--out", tmp_path / "z.npy")
        one_line_error(r, needle)
        assert not (tmp_path / "z.npy").exists()


@pytest.mark.integration
def test_c_simulation_library_is_cached_and_parallel_equals_hls4ml(tmp_path):
    """The compiled library is reused while the project's sources are unchanged and rebuilt when they
    change; the C simulation in 2 processes equals hls4ml's own predict, sample for sample."""
    import contextlib
    import io

    import hls4ml

    from hls.convert import write_project
    from hls.csim import CSim, library, predict
    from hls.prepare import prepare
    from hls.settings import DEFAULTS
    from tests.helpers import inputs, random_model

    project = tmp_path / "prj"
    write_project(prepare(random_model(11)), DEFAULTS.with_(io_type="io_stream"), project, stamp="0badcafe")
    lib, compiled = library(project)
    assert compiled and lib.exists()
    assert library(project) == (lib, False)  # unchanged sources: no compile
    x = inputs(300, 5)
    with contextlib.redirect_stdout(io.StringIO()):
        graph = hls4ml.converters.link_existing_project(str(project))
        graph.compile()
    reference = predict(graph, x)
    assert np.array_equal(CSim(project).predict(x, jobs=1), reference)
    assert np.array_equal(CSim(project).predict(x, jobs=2), reference)
    weights = sorted((project / "firmware/weights").glob("*.txt"))[0]
    weights.write_text(weights.read_text() + "\n")  # a changed input of the build
    lib2, compiled2 = library(project)
    assert compiled2 and lib2 != lib and not lib.exists()


def _layer_by_layer(project, x):
    """The emulator without its fused steps: every layer on its own, in the top function's order."""
    from hls.emulate.fixed import frac_bits, from_float, to_float
    from hls.emulate.layers import EMULATORS, Fixed

    t = project.layers[0].input_type
    values = {project.layers[0].inputs[0]: Fixed(from_float(x.reshape(len(x), -1), t), frac_bits(t), int(t.width))}
    for layer in project.layers:
        values[layer.output] = EMULATORS[layer.function](layer, [values[n] for n in layer.inputs])
    return to_float(values[project.layers[-1].output].q, values[project.layers[-1].output].frac)


@pytest.mark.integration
def test_fused_conv_relu_pool_blocks_equal_the_c_simulation(tmp_path):
    """conv -> relu -> max pooling blocks as the emulator runs them (a one-channel padded convolution
    channels-first with only the pooled outputs computed, on an odd size the pooling truncates; with
    more channels the pooling before the activation): identical to the C simulation and to a
    layer-by-layer emulation, sample for sample."""
    import tensorflow as tf
    from qkeras import QActivation, QConv2D, QDense, quantized_bits, quantized_relu

    from hls.convert import write_project
    from hls.csim import CSim
    from hls.emulate import _schedule, conv_act_pool, emulate, pooled_activation
    from hls.prepare import prepare
    from hls.project import read_project
    from hls.settings import DEFAULTS

    tf.keras.utils.set_random_seed(4)
    x = inp = tf.keras.layers.Input((11, 11, 1))
    x = QActivation(quantized_bits(8, 2, keep_negative=False, alpha=1), name="in_q")(x)
    x = QConv2D(3, 3, padding="same", kernel_quantizer=quantized_bits(6, 0, alpha=1),
                bias_quantizer=quantized_bits(8, 3, alpha=1), name="c1")(x)
    x = QActivation(quantized_relu(6, 2), name="r1")(x)
    x = tf.keras.layers.MaxPooling2D(2, name="p1")(x)  # 11 -> 5: the last row and column are not read
    x = QConv2D(4, 2, kernel_quantizer=quantized_bits(6, 0, alpha=1), bias_quantizer=quantized_bits(8, 3, alpha=1),
                name="c2")(x)
    x = QActivation(quantized_relu(5, 1), name="r2")(x)
    x = tf.keras.layers.MaxPooling2D(2, name="p2")(x)
    x = tf.keras.layers.Flatten()(x)
    x = QDense(3, kernel_quantizer=quantized_bits(6, 0, alpha=1), bias_quantizer=quantized_bits(8, 3, alpha=1),
               name="d1")(x)
    model = tf.keras.Model(inp, x)
    rng = np.random.default_rng(4)
    for layer in model.layers:
        if layer.get_weights():
            layer.set_weights([rng.normal(0, 0.8, w.shape).astype(np.float32) for w in layer.get_weights()])
    write_project(prepare(model), DEFAULTS, tmp_path / "prj", stamp="0badcafe")
    project = read_project(tmp_path / "prj")
    blocks = [block for block, _ in _schedule(project)]
    assert conv_act_pool in blocks and pooled_activation in blocks
    xs = (rng.exponential(1.0, (700, 11, 11, 1)) * (rng.random((700, 11, 11, 1)) < 0.6)).astype(np.float32)
    y = emulate(project, xs, batch=64, workers=2)
    assert np.array_equal(y, _layer_by_layer(project, xs))
    assert np.array_equal(y.astype(np.float32).astype(np.float64), CSim(tmp_path / "prj").predict(xs))


@pytest.mark.integration
def test_wide_depthwise_resource_stream_equals_the_c_simulation(tmp_path):
    """The sweep's model 10 under io_stream + Resource: separable convolutions whose float32 weights
    need accumulators of 59-63 bits (Python integers in the emulator), and depthwise kernels, whose
    weights hls4ml's Resource strategy leaves in (window, channel) order, unlike the dense kernels it
    transposes. Every sample identical to the C simulation (a transposed depthwise read differs on all)."""
    from hls.convert import write_project
    from hls.csim import CSim
    from hls.emulate import emulate
    from hls.prepare import prepare
    from hls.project import read_project
    from hls.settings import DEFAULTS
    from l1cnn.commands.sweep import convertible
    from models.random_cnn import draw

    d = draw(10, accept=convertible)
    x = d.input_format.quantize(d.inputs[:60]).astype(np.float32) if d.input_format else d.inputs[:60]
    hls = DEFAULTS.with_(io_type="io_stream", strategy="Resource", reuse_factor=1)
    write_project(prepare(d.model, input_format=d.input_format), hls, tmp_path / "prj", stamp="0badcafe")
    project = read_project(tmp_path / "prj")
    assert any(layer.function.startswith("depthwise") and layer.strategy == "resource" for layer in project.layers)
    assert max(int(layer.typed("accum_t").width) for layer in project.layers if layer.typed("accum_t")) > 62
    y = emulate(project, x)
    assert np.array_equal(y.astype(np.float32).astype(np.float64), CSim(tmp_path / "prj").predict(x))
