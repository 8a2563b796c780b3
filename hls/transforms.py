"""Model transformations applied before conversion: each is a function model -> model whose
outputs are the same bit for bit, so hls4ml only ever sees layers it types exactly.

fold_batchnorm: QKeras' QConv2DBatchnorm (and QDenseBatchnorm) computes, at inference,
  conv(x, q(inv * W)) + q(inv * (b - mean) + beta), inv = gamma / sqrt(var + eps), in float32.
  hls4ml re-folds the raw parameters in float64 (and knows no QDenseBatchnorm), so a folded
  weight near a quantization boundary could round the other way. It becomes a QConv2D (QDense)
  holding the quantized folded weights QKeras itself computes (quantizers are idempotent on
  their own grid).
explicit_input: a Sequential model built without an InputLayer gets one, which carries the
  firmware input's exact type (Keras lists no InputLayer in a Sequential model's layers).
requantize_po2: quantized_bits(alpha='auto_po2') scales each output channel by a power
  of two, so every effective weight is a multiple of some 2^-f: the layer gets an alpha=1
  quantizer in the narrowest format that holds all of them exactly (hls4ml would insert
  an ApplyAlpha layer its precision propagation does not type).
"""

import numpy as np
import tensorflow as tf
from qkeras import QConv2D, QDense

from common.errors import L1CNNError
from quantize.formats import exact_grid_format

FOLDED = {"QConv2DBatchnorm": "conv", "QDenseBatchnorm": "dense"}  # batch-norm-folding layer -> plain kind


class UnsupportedTransform(L1CNNError, ValueError):
    """A layer that cannot be made exact; the message names the fix."""


def _rebuild(model, replace, head=None):
    """The model with layer -> replace(layer) (a (new layer, weights) pair, or None to keep a copy),
    and `head` (a layer) inserted right after the input when given.

    A Sequential model built without an InputLayer has none in model.layers: every layer is kept.
    """
    for prev, layer in zip(model.layers, model.layers[1:]):
        if layer.input is not prev.output:  # a rebuild layer by layer would silently rewire a graph
            raise UnsupportedTransform(f"layer '{layer.name}' does not read the layer before it; only sequential "
                                       f"CNNs (one chain of layers) can be transformed")
    first = model.layers[0]
    has_input = type(first).__name__ == "InputLayer"
    x = inp = tf.keras.layers.Input(model.input_shape[1:], name=first.name if has_input else model.input_names[0])
    if head is not None:
        x = head(x)
    pending = []
    for layer in model.layers[1 if has_input else 0:]:
        new = replace(layer) or (layer.__class__.from_config(layer.get_config()), layer.get_weights())
        x = new[0](x)
        pending.append(new)
    out = tf.keras.Model(inp, x, name=model.name)
    for layer, weights in pending:
        if weights:
            layer.set_weights(weights)
    return out


def _plain(cls, config, **changes):
    """A `cls` layer (QConv2D/QDense) from another layer's config: every setting the plain class
    serializes is kept (activation, dilation, data format, constraints, ...), the rest dropped."""
    probe = cls(1, 1) if cls is QConv2D else cls(1)
    keep = {k: v for k, v in config.items() if k in probe.get_config()}
    keep.update(changes)
    return cls.from_config(keep)


def _quantizers(layer, kind):
    kq, bq = layer.kernel_quantizer_internal, layer.bias_quantizer_internal
    if kq is None:
        raise UnsupportedTransform(f"layer '{layer.name}' ({kind}) has no kernel_quantizer: its float32 weights "
                                   f"have no exact fixed-point type; give it quantized_bits(alpha=1)")
    if bq is None and (kind in FOLDED or layer.use_bias):
        raise UnsupportedTransform(f"layer '{layer.name}' ({kind}) has no bias_quantizer: its float32 bias has no "
                                   f"exact fixed-point type; give it quantized_bits(alpha=1)")
    return kq, bq


def _fold(layer):
    kind = type(layer).__name__
    if kind not in FOLDED:
        return None
    kq, bq = _quantizers(layer, kind)
    if layer.get_config().get("activation") not in (None, "linear"):
        raise UnsupportedTransform(f"layer '{layer.name}' has a fused activation; use a separate QActivation")
    kernel, bias = layer.get_folded_weights()
    plain = _plain(QConv2D if FOLDED[kind] == "conv" else QDense, layer.get_config(),
                   kernel_quantizer=kq, bias_quantizer=bq, use_bias=True)
    return plain, [np.asarray(kq(kernel)), np.asarray(bq(bias))]


def _po2(q):
    return type(q).__name__ == "quantized_bits" and isinstance(q.alpha, str) and "po2" in q.alpha


def _requantize(layer):
    if not _requantize_needed(layer):
        return None
    kind = type(layer).__name__
    weights, quantizers = [], []
    for w, q in zip(layer.get_weights(), _quantizers(layer, kind)):
        w_eff = np.asarray(q(tf.constant(w)), np.float32)
        try:
            fmt = exact_grid_format(w_eff)
        except ValueError:
            raise UnsupportedTransform(f"layer '{layer.name}': its {q.alpha} weights are not on a power-of-two "
                                       f"grid; use alpha=1") from None
        weights.append(w_eff)
        quantizers.append(fmt.qkeras_bits())
    new = _plain(QConv2D if kind == "QConv2D" else QDense, layer.get_config(), kernel_quantizer=quantizers[0],
                 bias_quantizer=quantizers[1] if layer.use_bias else None)
    return new, weights


def explicit_input(model):
    """A Sequential model built without an InputLayer gets one (the input's type hangs on it)."""
    if model.layers and type(model.layers[0]).__name__ == "InputLayer":
        return model
    return _rebuild(model, lambda layer: None)


def declare_input(model, fmt):
    """A model without an input quantizer reads inputs in the declared format: a QActivation holding
    it goes right after the input, rounding and saturating exactly as the firmware's input type does."""
    from qkeras import QActivation

    return _rebuild(model, lambda layer: None, head=QActivation(fmt.qkeras_bits(), name="declared_input_format"))


def fold_batchnorm(model):
    if not any(type(l).__name__ in FOLDED for l in model.layers):
        return model
    return _rebuild(model, _fold)


def requantize_po2(model):
    if not any(_requantize_needed(l) for l in model.layers):
        return model
    return _rebuild(model, _requantize)


def _requantize_needed(layer):
    return type(layer).__name__ in ("QConv2D", "QDense") and (
        _po2(layer.kernel_quantizer_internal) or (layer.use_bias and _po2(layer.bias_quantizer_internal)))


TRANSFORMS = (explicit_input, fold_batchnorm, requantize_po2)


def exact_equivalent(model):
    """Every transformation in order; raises UnsupportedTransform with a named reason."""
    for transform in TRANSFORMS:
        model = transform(model)
    return model
