"""Save and load Keras / QKeras models atomically, with one-line errors for bad files.

Readable: a full model (.h5, .keras), or an architecture .json with its weights beside it
(`<stem>_weights.h5`, `<stem>.weights.h5` or `<stem>.h5`, the names `model.save_weights` users pick),
also when a newer QKeras saved it (models/qkeras_compat.py).
"""

from pathlib import Path

from common.atomic import atomic_path
from common.errors import L1CNNError

MODEL_SUFFIXES = (".h5", ".keras", ".json")
WEIGHTS_BESIDE_JSON = ("{stem}_weights.h5", "{stem}.weights.h5", "{stem}.h5")


class ModelFileError(L1CNNError):
    """A model file is missing, of the wrong kind, or not readable as a Keras model."""


def save(model, path: Path) -> None:
    with atomic_path(path) as tmp:
        model.save(tmp, include_optimizer=False)


def weights_beside(path: Path) -> Path:
    """The weights file of an architecture .json."""
    candidates = [path.with_name(p.format(stem=path.stem)) for p in WEIGHTS_BESIDE_JSON]
    found = next((c for c in candidates if c.exists()), None)
    if found is None:
        raise ModelFileError(f"model file {path} holds only the architecture and no weights file is beside it; "
                             f"put the weights at {candidates[0]} (model.save_weights) or save the whole model "
                             f"as .h5/.keras")
    return found


def _read(path: Path, objects):
    import tensorflow as tf

    if path.suffix != ".json":
        return tf.keras.models.load_model(str(path), custom_objects=objects, compile=False)
    model = tf.keras.models.model_from_json(path.read_text(), custom_objects=objects)
    model.load_weights(str(weights_beside(path)))
    return model


def _in_chain(error, kind):
    """The first exception of `kind` among `error`'s causes (Keras re-raises deserialization errors)."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, kind):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


def load(path: Path, hint: str = ""):
    """Any saved Keras/QKeras model; every object QKeras defines (and QDenseBatchnorm) is known."""
    import tensorflow as tf

    from models.qkeras_compat import NewerQKerasValue, is_newer_qkeras_error, tolerant
    from models.qkeras_objects import qkeras_objects

    path = Path(path)
    if not path.exists():
        raise ModelFileError(f"model file {path} does not exist{'; ' + hint if hint else ''}")
    if path.suffix not in MODEL_SUFFIXES:
        raise ModelFileError(f"model file {path} must be a Keras {', '.join(MODEL_SUFFIXES)} file")
    try:
        try:
            model = _read(path, qkeras_objects())
        except Exception as e:  # noqa: BLE001 - retried only for the keys a newer QKeras writes
            if not is_newer_qkeras_error(e):
                raise
            model = _read(path, tolerant(qkeras_objects()))
    except (ModelFileError, NewerQKerasValue):
        raise
    except Exception as e:  # Keras raises many types for a bad file; all mean the same to the user
        cause = _in_chain(e, NewerQKerasValue)
        if cause:
            raise ModelFileError(f"model file {path}: {cause}") from None
        raise ModelFileError(f"model file {path} could not be read as a Keras model ({type(e).__name__}: "
                             f"{str(e).splitlines()[0] if str(e) else 'no detail'})") from None
    if not isinstance(model, tf.keras.Model):
        raise ModelFileError(f"model file {path} does not hold a Keras model")
    return model
