"""Save and load Keras / QKeras models atomically, with one-line errors for bad files."""

from pathlib import Path

from l1cnn.atomic import atomic_path
from l1cnn.errors import UserError


def save(model, path: Path) -> None:
    with atomic_path(path) as tmp:
        model.save(tmp, include_optimizer=False)


def load(path: Path, hint: str = ""):
    import tensorflow as tf
    from qkeras.utils import load_qmodel

    path = Path(path)
    if not path.exists():
        raise UserError(f"model file {path} does not exist{'; ' + hint if hint else ''}")
    if path.suffix not in (".h5", ".keras"):
        raise UserError(f"model file {path} must be a Keras .h5 or .keras file")
    try:
        model = load_qmodel(str(path), compile=False)
    except Exception as e:  # Keras raises many types for a bad file; all mean the same to the user
        raise UserError(f"model file {path} could not be read as a Keras model ({type(e).__name__}: "
                        f"{str(e).splitlines()[0] if str(e) else 'no detail'})") from None
    if not isinstance(model, tf.keras.Model):
        raise UserError(f"model file {path} does not hold a Keras model")
    return model
