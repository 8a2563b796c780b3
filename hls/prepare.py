"""`prepare(model)`: the one place the conversion front end runs, once per model.

It applies the named transformations of hls/transforms.py (each outputs the same bits) and
then derives every layer's exact type with the rules of hls/precision.py. The float baseline
is prepared without either: hls4ml's default types, the reference savings are measured against.
"""

from dataclasses import dataclass

from common.errors import L1CNNError
from hls import precision
from hls.transforms import UnsupportedTransform, declare_input, exact_equivalent

NOT_EXACT = (precision.UnsupportedLayer, UnsupportedTransform)  # what the exact rules refuse, with a reason


class InputFormatConflict(L1CNNError):
    """An input format was declared for a model that declares its own: a user error, not a fallback."""


@dataclass(frozen=True)
class Prepared:
    model: object          # the Keras model hls4ml converts (exact-equivalent of the user's model)
    exact: bool            # typed by l1cnn's exact rules (True) or hls4ml's defaults (False)
    types: dict            # {hls4ml layer name: {type name: type}}; empty when not exact


def prepare(model, exact: bool = True, input_format=None) -> Prepared:
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
        model = declare_input(model, input_format)
    if not exact:
        try:
            model = exact_equivalent(model)
        except UnsupportedTransform:
            pass
        return Prepared(model, False, {})
    precision.check_chain(model.layers)
    model = exact_equivalent(model)
    return Prepared(model, True, precision.derive(model))


def prepare_if_exact(model, input_format=None) -> Prepared:
    """Exact when the model is a supported QKeras CNN, else hls4ml's defaults (a float model)."""
    try:
        return prepare(model, input_format=input_format)
    except NOT_EXACT:
        return prepare(model, exact=False)
