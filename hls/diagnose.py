"""Find the first layer where the C simulation departs from Keras, and say how.

hls4ml's trace (compiled into every project) gives each layer's output; a Keras
model cut at every layer gives the reference. The first layer with any
difference is reported with the number of differing values, the largest
difference in units of that layer's LSB, and whether it looks like overflow /
saturation (differences of a large part of the type's range) or rounding.
"""

import contextlib
import io

import numpy as np

from quantize.formats import FixedFormat


def keras_layer_outputs(model, x) -> dict:
    import tensorflow as tf

    layers = [l for l in model.layers if type(l).__name__ != "InputLayer"]
    probe = tf.keras.Model(model.inputs, [l.output for l in layers])
    outs = probe.predict(x, verbose=0)
    return {l.name: np.asarray(o, np.float64) for l, o in zip(layers, outs)}


def _lsb_and_range(type_str):
    try:
        fmt = FixedFormat.parse(type_str)  # hls4ml spells types fixed<18,5,TRN,WRAP,0>
    except ValueError:
        return None, None
    return fmt.lsb, fmt.max - fmt.min


def first_divergence(compiled, keras_model, x: np.ndarray, types: dict, absorbed=()) -> dict | None:
    """Trace the compiled project (l1cnn compiles every project with hls4ml's trace functions, so no
    recompile) and compare it with `keras_model` (the prepared model it was converted from) layer by
    layer. `types` are the firmware's layer types."""
    with contextlib.redirect_stdout(io.StringIO()):
        _, trace = compiled.trace(np.ascontiguousarray(x, dtype=np.float32))
    ref = keras_layer_outputs(keras_model, x)
    for name, ref_out in ref.items():
        if name not in trace or name in absorbed:  # absorbed: proven equal after the quantizer that follows
            continue
        got = np.asarray(trace[name], np.float64).reshape(ref_out.shape)
        diff = np.abs(got - ref_out)
        if not np.any(diff > 0):
            continue
        lsb, span = _lsb_and_range(types.get(name, {}).get("result_t", ""))
        worst = float(diff.max())
        kind = "rounding"
        if span is not None and worst >= span / 4:
            kind = "overflow/saturation"
        return {
            "layer": name,
            "n_values_differing": int(np.sum(diff > 0)),
            "n_values": int(diff.size),
            "max_abs_diff": worst,
            "max_abs_value": float(np.abs(ref_out).max()),
            "max_diff_lsb": None if lsb is None else worst / lsb,
            "hls_type": types.get(name, {}).get("result_t"),
            "looks_like": kind,
        }
    return None


def diagnose_mismatches(compiled, keras_model, y_keras, y_hls, x, layer_types: dict, max_samples=64,
                        absorbed=()) -> dict | None:
    """first_divergence() on (up to max_samples of) the samples whose outputs differ; None if none differ."""
    k = np.asarray(y_keras).reshape(len(x), -1)
    h = np.asarray(y_hls).reshape(len(x), -1)
    bad = np.flatnonzero(np.any(k != h, axis=1))
    if not len(bad):
        return None
    return first_divergence(compiled, keras_model, x[bad[:max_samples]], layer_types, absorbed)


def traced_outputs(compiled, x) -> dict:
    """{layer: (N, ...) float64 outputs} of every traced layer of a compiled project."""
    with contextlib.redirect_stdout(io.StringIO()):
        _, trace = compiled.trace(np.ascontiguousarray(x, dtype=np.float32))
    return {k: np.asarray(v, np.float64) for k, v in trace.items()}


def layer_own_differences(compiled, keras_model, x, names) -> dict:
    """{layer: counts} where each named Keras layer, fed the firmware's own (traced) input to it, gives
    values other than the firmware's: the differences that layer's arithmetic makes by itself, not
    ones inherited from upstream. A layer whose input is not traced (the model input, or a removed
    Flatten) reads the nearest traced layer before it, reshaped; the model input is x itself."""
    from hls import graph

    trace = traced_outputs(compiled, x)
    inbound, users = graph.edges(keras_model), graph.consumers(keras_model)
    by_name = {l.name: l for l in keras_model.layers}
    out = {}
    for layer in keras_model.layers:
        if layer.name not in names or layer.name not in trace or len(inbound[layer.name]) > 1:
            continue
        prev = _traced_input(by_name, inbound, layer.name, trace, x)
        shape = (len(x),) + tuple(layer.input_shape[1:])
        if prev is None or prev.size != np.prod(shape):
            continue  # its input is not traced (hls4ml traces some layers under other names)
        inp = np.asarray(prev, np.float32).reshape(shape)
        ref = np.asarray(layer(inp, training=False), np.float64)
        got = np.asarray(trace[layer.name], np.float64).reshape(ref.shape)
        differ = got != ref
        lsb, _ = _lsb_and_range(_result_type(compiled, layer.name))
        out[layer.name] = {"n_values": int(differ.size), "n_values_differing": int(differ.sum()),
                           "n_samples_with_difference": int(np.any(differ.reshape(len(x), -1), axis=1).sum()),
                           "max_abs_diff": float(np.abs(got - ref).max()) if differ.size else 0.0,
                           "lsb": lsb}
        nxt = by_name[users[layer.name][0]] if len(users[layer.name]) == 1 else None
        if nxt is not None and type(nxt).__name__ == "QActivation" and nxt.name in trace:
            # what matters downstream: does Keras' own float32 value round to another quantizer output?
            ref_q = np.asarray(nxt(ref.astype(np.float32)), np.float64)
            got_q = np.asarray(trace[nxt.name], np.float64).reshape(ref_q.shape)
            rounds = ref_q != got_q
            out[layer.name]["after_quantizer"] = {
                "layer": nxt.name, "n_values_rounding_differently": int(rounds.sum()),
                "n_samples_affected": int(np.any(rounds.reshape(len(x), -1), axis=1).sum())}
    return out


SHAPE_ONLY = ("Flatten", "Reshape")  # hls4ml removes them in io_parallel: the layer before holds the values


def _traced_input(by_name, inbound, name, trace, x):
    """The firmware's input to layer `name`: the traced output of the layer it reads (through shape-only
    layers), the model input for the first layer, None when that layer is not traced."""
    ins = inbound[name]
    while ins and ins[0] not in trace and type(by_name[ins[0]]).__name__ in SHAPE_ONLY:
        ins = inbound[ins[0]]
    if not ins or type(by_name[ins[0]]).__name__ == "InputLayer":
        return x
    reads_input = not inbound[ins[0]] or type(by_name[inbound[ins[0]][0]]).__name__ == "InputLayer"
    if ins[0] not in trace and reads_input:  # the input quantizer, merged by hls4ml into the input's type
        return np.asarray(by_name[ins[0]](np.asarray(x, np.float32)), np.float64)
    return trace.get(ins[0])


def _result_type(compiled, name):
    layer = next((l for l in compiled.get_layers() if l.name == name), None)
    return str(layer.get_output_variable().type.precision) if layer is not None else ""
