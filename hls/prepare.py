"""`prepare(model)`: the one place the conversion front end runs, once per model.

It applies the named transformations of hls/transforms.py (each outputs the same bits) and
then derives every layer's exact type with the rules of hls/precision.py. The float baseline
is prepared without the rules: hls4ml's default types, the reference savings are measured against.
By default a softmax/sigmoid head is removed (strip_head): firmware and reference end at the logits.
"""

from dataclasses import dataclass, field

from common.errors import L1CNNError
from hls import graph, precision
from hls.transforms import UnsupportedTransform, declare_input, exact_equivalent, head_of, strip_head

NOT_EXACT = (precision.UnsupportedLayer, UnsupportedTransform, graph.UnsupportedGraph)  # what the exact rules refuse, with a reason


class InputFormatConflict(L1CNNError):
    """An input format was declared for a model that declares its own: a user error, not a fallback."""


@dataclass(frozen=True)
class Prepared:
    model: object          # the Keras model hls4ml converts (exact-equivalent of the user's model)
    exact: bool            # typed by l1cnn's exact rules (True) or hls4ml's defaults (False)
    types: dict            # {hls4ml layer name: {type name: type}}; empty when not exact
    reference: object = None  # the user's model as the firmware's outputs are compared with (logits)
    caveats: dict = field(default_factory=dict)  # {layer: why its exactness rests on Keras' float32}
    head: str | None = None   # the softmax/sigmoid head removed (None: none, or kept)
    weights: dict = field(default_factory=dict)  # {hls4ml layer: {weight: values}} written instead of hls4ml's
    proofs: dict = field(default_factory=dict)   # {layer: exhaustive check of a float layer (hls/thresholds.py)}

    @property
    def guaranteed(self) -> bool:
        """Bit-exact on every input by construction (exact types, no float32-dependent layer)."""
        return self.exact and not self.caveats


def prepare(model, exact: bool = True, input_format=None, keep_head: bool = False) -> Prepared:
    """Raises precision.UnsupportedLayer (or transforms.UnsupportedTransform) naming the fix.

    `input_format` (a quantize.formats.FixedFormat) declares the input of a model without an input
    quantizer; the inputs must then be rounded to it for Keras as well (see declared_inputs).
    Without exact types the transformations still run where they can (they keep every output
    bit), so layers only QKeras knows, such as a folded batch norm, still reach hls4ml as plain ones.
    """
    if input_format is not None:
        if precision.has_input_quantizer(model):
            raise InputFormatConflict(f"the model already declares its input format "
                                      f"({precision.input_format(model)}); drop --input-format")
    head = None if keep_head else head_of(model)
    reference = model if keep_head else strip_head(model)
    firmware = reference if input_format is None else declare_input(reference, input_format)
    if not exact:
        try:
            firmware = exact_equivalent(firmware)
        except UnsupportedTransform:
            pass
        return Prepared(firmware, False, {}, reference, {}, head)
    graph.check(firmware)
    firmware = exact_equivalent(firmware)
    derived = precision.derive(firmware)
    return Prepared(firmware, True, derived.types, reference, derived.caveats, head, derived.weights, derived.proofs)


def prepare_if_exact(model, input_format=None) -> Prepared:
    """Exact when the model is a supported QKeras CNN, else hls4ml's defaults (a float model)."""
    try:
        return prepare(model, input_format=input_format)
    except NOT_EXACT:
        return prepare(model, exact=False)
