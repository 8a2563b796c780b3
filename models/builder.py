"""Build a Keras model from a config's `architecture` list, in float or QKeras form.

The list reads like the architecture diagram; a registry maps each layer kind to
the function that adds it (as hls4ml maps layer types to handlers). The quantized
model starts with a QActivation holding the declared input format, so the
firmware input type and the first quantizer are the same (no double rounding).
"""

import tensorflow as tf
from qkeras import QActivation, QConv2D, QDense

from quantize.formats import FixedFormat

layers = tf.keras.layers


def _conv(x, a, name, q, defaults):
    common = dict(filters=a["filters"], kernel_size=a["kernel"], strides=a.get("strides", 1),
                  padding=a.get("padding", "valid"), name=name)
    if not q:
        return layers.Conv2D(**common)(x)
    w, b = (FixedFormat.parse(a.get(k, defaults[k])) for k in ("weight", "bias"))
    return QConv2D(kernel_quantizer=w.qkeras_bits(), bias_quantizer=b.qkeras_bits(), **common)(x)


def _dense(x, a, name, q, defaults):
    if not q:
        return layers.Dense(a["units"], name=name)(x)
    w, b = (FixedFormat.parse(a.get(k, defaults[k])) for k in ("weight", "bias"))
    return QDense(a["units"], kernel_quantizer=w.qkeras_bits(), bias_quantizer=b.qkeras_bits(), name=name)(x)


def _relu(x, a, name, q, defaults):
    if not q:
        return layers.Activation("relu", name=name)(x)
    return QActivation(FixedFormat.parse(a["format"]).qkeras_relu(), name=name)(x)


LAYER_BUILDERS = {
    "conv": _conv,
    "dense": _dense,
    "relu": _relu,
    "maxpool": lambda x, a, name, q, d: layers.MaxPooling2D(a["size"], name=name)(x),
    "avgpool": lambda x, a, name, q, d: layers.AveragePooling2D(a["size"], name=name)(x),
    "flatten": lambda x, a, name, q, d: layers.Flatten(name=name)(x),
}


def input_shape(cfg) -> tuple:
    from physics import GENERATORS

    return tuple(GENERATORS[cfg["dataset"]["generator"]].images(cfg["dataset"])[cfg["input"]["image"]])


def build(cfg: dict, quantized: bool) -> tf.keras.Model:
    """The config's CNN; outputs are logits (one per class), never softmax."""
    inp = layers.Input(input_shape(cfg), name="image")
    x = inp
    if quantized:
        x = QActivation(FixedFormat.parse(cfg["input"]["format"]).qkeras_bits(), name="input_q")(x)
    counts = {}
    for item in cfg["architecture"]:
        kind, args = next(iter(item.items()))
        counts[kind] = counts.get(kind, 0) + 1
        x = LAYER_BUILDERS[kind](x, args or {}, f"{kind}{counts[kind]}", quantized, cfg["quantization"])
    return tf.keras.Model(inp, x, name=cfg["name"])


def custom_objects() -> dict:
    """What load_model needs to read back a QKeras (and pruned) model."""
    from qkeras.utils import _add_supported_quantized_objects

    objs = {}
    _add_supported_quantized_objects(objs)
    return objs
