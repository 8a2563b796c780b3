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
remove_noops: Dropout (and the other training-only noise layers) and Activation("linear") do nothing
  at inference; they are dropped so hls4ml sees no layer it would type.
split_activations: an activation fused into a conv/dense layer (activation="relu" or a quantizer
  string) becomes its own Activation/QActivation after the layer, applied to the same float32
  tensor, so the layer's accumulator gets its exact type and the activation its own rule.
drop_redundant_relu: a float ReLU directly before a plain quantized_relu changes nothing
  (quantized_relu already maps every negative value to 0).
strip_head: a softmax/sigmoid head is monotone, so the logits decide the same way; by default the
  firmware ends at the logits (`logits_model` cuts the user's own model the same way for Keras).
float_scales_to_float: quantized_bits(alpha='auto') (a float32 scale per channel) becomes the plain
  Keras layer holding the float32 weights QKeras computes with.
requantize_po2: quantized_bits(alpha='auto_po2') scales each output channel by a power
  of two, so every effective weight is a multiple of some 2^-f: the layer gets an alpha=1
  quantizer in the narrowest format that holds all of them exactly (hls4ml would insert
  an ApplyAlpha layer its precision propagation does not type).
"""

import numpy as np
import tensorflow as tf
from qkeras import QConv1D, QConv2D, QDense

from common.errors import L1CNNError
from hls import graph
from quantize.formats import exact_grid_format

FOLDED = {"QConv2DBatchnorm": "conv", "QDenseBatchnorm": "dense"}  # batch-norm-folding layer -> plain kind
PLAIN = {"QConv1D": QConv1D, "QConv2D": QConv2D, "QDense": QDense}  # layers re-quantized with alpha=1
SCALED_TO_FLOAT = {"QConv1D": "Conv1D", "QConv2D": "Conv2D", "QDense": "Dense"}
NOOPS = ("Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise", "GaussianDropout",
         "AlphaDropout", "ActivityRegularization")  # training-only layers: identity at inference
AFFINE = ("Conv1D", "Conv2D", "Dense", "QConv1D", "QConv2D", "QDense", "DepthwiseConv2D", "QDepthwiseConv2D",
          "SeparableConv1D", "SeparableConv2D", "QSeparableConv1D", "QSeparableConv2D", *FOLDED)
HEADS = ("softmax", "sigmoid")  # monotone output activations: a decision on the logits is the same decision


class UnsupportedTransform(L1CNNError, ValueError):
    """A layer that cannot be made exact; the message names the fix."""


def _rebuild(model, replace, head=None):
    """The model with layer -> replace(layer) (a list of (new layer, weights) pairs applied in turn,
    empty to drop the layer, or None to keep a copy), and `head` (a layer) inserted right after the
    input when given. Branches and merges are rebuilt as they were (hls/graph.py refuses any graph
    hls4ml cannot express); a Sequential model built without an InputLayer gets one.
    """
    inbound = graph.check(model)
    first = model.layers[0]
    has_input = type(first).__name__ == "InputLayer"
    x = inp = tf.keras.layers.Input(model.input_shape[1:], name=first.name if has_input else model.input_names[0])
    if head is not None:
        x = head(x)
    tensors, pending = {first.name: x} if has_input else {}, []
    for layer in model.layers[1 if has_input else 0:]:
        ins = [tensors[n] for n in inbound[layer.name]] or [x]
        y = ins if len(ins) > 1 else ins[0]
        new = replace(layer)
        for new_layer, weights in ([_copy(layer)] if new is None else new):
            y = new_layer(y)
            pending.append((new_layer, weights))
        tensors[layer.name] = y
    out = tf.keras.Model(inp, tensors[output_layer(model).name], name=model.name)
    for layer, weights in pending:
        if weights:
            layer.set_weights(weights)
    return out


def _copy(layer, **changes):
    return layer.__class__.from_config({**layer.get_config(), **changes}), layer.get_weights()


def _plain(cls, config, **changes):
    """A `cls` layer (QConv2D/QDense) from another layer's config: every setting the plain class
    serializes is kept (activation, dilation, data format, constraints, ...), the rest dropped."""
    probe = cls(1) if cls is QDense else cls(1, 1)
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
    kernel, bias = layer.get_folded_weights()
    plain = _plain(QConv2D if FOLDED[kind] == "conv" else QDense, layer.get_config(),
                   kernel_quantizer=kq, bias_quantizer=bq, use_bias=True)
    return [(plain, [np.asarray(kq(kernel)), np.asarray(bq(bias))])]


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
    new = _plain(PLAIN[kind], layer.get_config(), kernel_quantizer=quantizers[0],
                 bias_quantizer=quantizers[1] if layer.use_bias else None)
    return [(new, weights)]


def _float_scaled(q):
    return type(q).__name__ == "quantized_bits" and q.alpha not in (None, 1, 1.0) and not _po2(q)


def _scaled_layer(layer):
    return type(layer).__name__ in SCALED_TO_FLOAT and any(
        _float_scaled(getattr(layer, a, None)) for a in ("kernel_quantizer_internal", "bias_quantizer_internal"))


def _to_float(layer):
    """The layer as its plain Keras class holding the effective float32 weights QKeras computes with."""
    if not _scaled_layer(layer):
        return None
    cfg = layer.get_config()
    cls = getattr(tf.keras.layers, SCALED_TO_FLOAT[type(layer).__name__])
    probe = cls(1) if cls is tf.keras.layers.Dense else cls(1, 1)
    plain = cls.from_config({k: v for k, v in cfg.items() if k in probe.get_config()} | {"kernel_constraint": None,
                                                                                         "bias_constraint": None})
    quantizers = (layer.kernel_quantizer_internal, layer.bias_quantizer_internal)
    weights = [np.asarray(q(tf.constant(w)) if q is not None else w, np.float32)
               for w, q in zip(layer.get_weights(), quantizers)]
    return [(plain, weights)]


def float_scales_to_float(model):
    """quantized_bits(alpha='auto') multiplies each output channel by a float32 scale: no fixed-point
    quantizer describes the product, so the layer becomes the plain Keras layer holding exactly the float32
    weights QKeras computes with (the same ops on the same values); its exactness is then measured
    (hls4ml would otherwise insert an ApplyAlpha scale layer with types of its own)."""
    if not any(_scaled_layer(l) for l in model.layers):
        return model
    return _rebuild(model, _to_float)


def explicit_input(model):
    """A Sequential model built without an InputLayer gets one (the input's type hangs on it)."""
    if model.layers and type(model.layers[0]).__name__ == "InputLayer":
        return model
    return _rebuild(model, lambda layer: None)


def _activation_name(layer):
    """'relu', 'softmax', 'linear', ... for a Keras activation; the quantizer's text (e.g.
    'quantized_relu(6,0)') for a QKeras quantizer used as an activation; None for none."""
    act = layer.get_config().get("activation")
    if act is None or isinstance(act, str):
        return act
    fn = getattr(layer, "activation", None)
    return str(fn) if _is_quantizer(fn) else tf.keras.activations.serialize(fn)


def _is_quantizer(fn) -> bool:
    from qkeras.quantizers import BaseQuantizer

    return isinstance(fn, BaseQuantizer)


def remove_noops(model):
    def drop(layer):
        kind = type(layer).__name__
        return [] if kind in NOOPS or (kind == "Activation" and _activation_name(layer) == "linear") else None

    if not any(drop(l) == [] for l in model.layers):
        return model
    return _rebuild(model, drop)


def _fused(layer):
    return type(layer).__name__ in AFFINE and _activation_name(layer) not in (None, "linear")


def split_activations(model):
    """conv/dense(activation=a) -> conv/dense(linear) + Activation(a) (QActivation(a) for a quantizer)."""
    from qkeras import QActivation

    def split(layer):
        if not _fused(layer):
            return None
        act, fn = _activation_name(layer), layer.activation
        separate = (QActivation(fn, name=f"{layer.name}_{act.split('(')[0]}") if _is_quantizer(fn) else
                    tf.keras.layers.Activation(act, name=f"{layer.name}_{act}"))
        return [_copy(layer, activation="linear"), (separate, [])]

    if not any(_fused(l) for l in model.layers):
        return model
    return _rebuild(model, split)


def _is_float_relu(layer):
    kind = type(layer).__name__
    return (kind == "Activation" and _activation_name(layer) == "relu") or (
        kind == "QActivation" and getattr(layer.quantizer, "__name__", None) == "relu")


def _is_plain_quantized_relu(layer):
    q = getattr(layer, "quantizer", None)
    return type(layer).__name__ == "QActivation" and type(q).__name__ == "quantized_relu" and not (
        getattr(q, "negative_slope", 0) or getattr(q, "use_sigmoid", 0))


def drop_redundant_relu(model):
    by_name, users = {l.name: l for l in model.layers}, graph.consumers(model)
    redundant = {a.name for a in model.layers if _is_float_relu(a) and users[a.name] and all(
        _is_plain_quantized_relu(by_name[u]) for u in users[a.name])}
    if not redundant:
        return model
    return _rebuild(model, lambda layer: [] if layer.name in redundant else None)


def output_layer(model):
    """The layer whose output is the model's (one output: hls/graph.py refuses more)."""
    return model.get_layer(model.output_names[0])


def head_of(model):
    """The name of the model's softmax/sigmoid head ('<layer>' for a fused one), or None."""
    last = output_layer(model)
    act = _activation_name(last) if type(last).__name__ in ("Activation", *AFFINE) else None
    return last.name if act in HEADS else None


def strip_head(model):
    """The model ending at the logits: a final softmax/sigmoid (separate or fused) is removed."""
    if head_of(model) is None:
        return model
    last = output_layer(model)
    if type(last).__name__ == "Activation":
        return tf.keras.Model(model.inputs, last.input, name=model.name)
    return _rebuild(model, lambda layer: [_copy(layer, activation="linear")] if layer is last else None)


def logits_model(model):
    """The user's own model ending at the logits (the reference the firmware is compared with)."""
    return strip_head(model)


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
    return type(layer).__name__ in PLAIN and (
        _po2(layer.kernel_quantizer_internal) or (layer.use_bias and _po2(layer.bias_quantizer_internal)))


TRANSFORMS = (explicit_input, remove_noops, split_activations, drop_redundant_relu, fold_batchnorm, requantize_po2,
              float_scales_to_float)


def exact_equivalent(model):
    """Every transformation in order; raises UnsupportedTransform with a named reason."""
    for transform in TRANSFORMS:
        model = transform(model)
    return model
