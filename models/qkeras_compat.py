"""Models saved by a newer QKeras than the pinned 0.9.0: its serialized configs carry keys 0.9.0
does not know (`post_training_scale` of quantized_bits, `mask` of the convolution and dense layers).

Both are no-ops at their default None (no post-training rescale, no kernel mask), so a model whose
configs hold None computes exactly what it computed in the QKeras that saved it. `tolerant()` gives
drop-in subclasses (same class names, so every rule keyed on the type name still applies) that
accept the keys at None and refuse any other value with a one-line reason.
"""

import inspect

from common.errors import L1CNNError

NEWER_ARGUMENTS = ("post_training_scale", "mask")  # QKeras > 0.9.0 config keys that are no-ops at None


class NewerQKerasValue(L1CNNError, ValueError):
    """A newer-QKeras setting that changes the arithmetic and that the pinned QKeras cannot run."""


def _accepts(cls, key) -> bool:
    try:
        return key in inspect.signature(cls.__init__).parameters
    except (TypeError, ValueError):
        return True


def _tolerant_class(cls, keys):
    def __init__(self, *args, **kwargs):
        for key in keys:
            if kwargs.get(key, None) is not None:
                raise NewerQKerasValue(f"{cls.__name__} {key}={kwargs[key]!r} needs a newer QKeras than the "
                                       f"pinned 0.9.0; save the model with {key}=None (fold it into the weights)")
            kwargs.pop(key, None)
        cls.__init__(self, *args, **kwargs)

    return type(cls.__name__, (cls,), {"__init__": __init__, "__module__": cls.__module__,
                                        "__doc__": cls.__doc__})


def tolerant(objects: dict) -> dict:
    """`objects` with every class that lacks one of NEWER_ARGUMENTS replaced by a tolerant subclass."""
    out = {}
    for name, obj in objects.items():
        missing = [k for k in NEWER_ARGUMENTS if isinstance(obj, type) and not _accepts(obj, k)]
        out[name] = _tolerant_class(obj, missing) if missing else obj
    return out


def is_newer_qkeras_error(error: Exception) -> bool:
    text = str(error)
    return "unexpected keyword argument" in text and any(f"'{k}'" in text for k in NEWER_ARGUMENTS)
