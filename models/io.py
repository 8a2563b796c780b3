"""Save and load Keras / QKeras models atomically, with one-line errors for bad files."""

from pathlib import Path

from common.atomic import atomic_path
from common.errors import L1CNNError

MODEL_SUFFIXES = (".h5", ".keras")


class ModelFileError(L1CNNError):
    """A model file is missing, of the wrong kind, or not readable as a Keras model."""


def save(model, path: Path) -> None:
    with atomic_path(path) as tmp:
        model.save(tmp, include_optimizer=False)


def load(path: Path, hint: str = ""):
    """Any saved Keras/QKeras model; every object QKeras defines (and QDenseBatchnorm) is known."""
    import tensorflow as tf

    from models.qkeras_objects import qkeras_objects

    path = Path(path)
    if not path.exists():
        raise ModelFileError(f"model file {path} does not exist{'; ' + hint if hint else ''}")
    if path.suffix not in MODEL_SUFFIXES:
        raise ModelFileError(f"model file {path} must be a Keras {' or '.join(MODEL_SUFFIXES)} file")
    try:
        model = tf.keras.models.load_model(str(path), custom_objects=qkeras_objects(), compile=False)
    except Exception as e:  # Keras raises many types for a bad file; all mean the same to the user
        raise ModelFileError(f"model file {path} could not be read as a Keras model ({type(e).__name__}: "
                             f"{str(e).splitlines()[0] if str(e) else 'no detail'})") from None
    if not isinstance(model, tf.keras.Model):
        raise ModelFileError(f"model file {path} does not hold a Keras model")
    return model
