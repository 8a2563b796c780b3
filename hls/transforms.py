"""Model transformations applied before conversion, each a function model -> equivalent model.

fold_batchnorm: QKeras' QConv2DBatchnorm computes, at inference,
conv(x, q(inv * W)) + q(inv * (b - mean) + beta) with inv = gamma / sqrt(var + eps)
in float32. hls4ml re-folds the raw parameters in float64, so a folded weight that
lies near a quantization boundary can round the other way. Replacing the layer by a
QConv2D that holds the quantized folded weights QKeras itself computes gives the
same outputs bit for bit (the quantizers are idempotent on their own grid).
"""

import numpy as np
import tensorflow as tf
from qkeras import QConv2D


class UnsupportedFold(ValueError):
    """A QConv2DBatchnorm that cannot be made exact; the message names the fix."""


def _folded_conv(layer):
    if layer.bias_quantizer_internal is None:
        raise UnsupportedFold(f"layer '{layer.name}' (QConv2DBatchnorm) has no bias_quantizer: its folded bias "
                              f"is a float32 value no fixed-point type holds; give it quantized_bits(..., alpha=1)")
    if layer.get_config().get("activation") not in (None, "linear"):
        raise UnsupportedFold(f"layer '{layer.name}' has a fused activation; use a separate QActivation")
    kernel, bias = layer.get_folded_weights()
    q_kernel = np.asarray(layer.kernel_quantizer_internal(kernel))
    q_bias = np.asarray(layer.bias_quantizer_internal(bias))
    conv = QConv2D(layer.filters, layer.kernel_size, strides=layer.strides, padding=layer.padding,
                   kernel_quantizer=layer.kernel_quantizer_internal, bias_quantizer=layer.bias_quantizer_internal,
                   use_bias=True, name=layer.name)
    return conv, [q_kernel, q_bias]


def fold_batchnorm(model):
    """The model with every QConv2DBatchnorm replaced by its exact QConv2D; the model itself if none."""
    if not any(type(l).__name__ == "QConv2DBatchnorm" for l in model.layers):
        return model
    x = inp = tf.keras.layers.Input(model.input_shape[1:], name=model.layers[0].name)
    weights = []
    for layer in model.layers[1:]:
        if type(layer).__name__ == "QConv2DBatchnorm":
            new, w = _folded_conv(layer)
        else:
            new, w = layer.__class__.from_config(layer.get_config()), layer.get_weights()
        x = new(x)
        weights.append((new, w))
    folded = tf.keras.Model(inp, x, name=model.name)
    for new, w in weights:
        if w:
            new.set_weights(w)
    return folded
