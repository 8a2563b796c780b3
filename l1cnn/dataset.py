"""The data set of a model config: its key and file, and reading a split back (checked whole and
matching the config). The data stage (stages/data.py) writes what this module reads."""

from dataclasses import dataclass

import h5py
import numpy as np

from l1cnn import cache, paths
from l1cnn.errors import UserError
from physics import GENERATORS
from quantize.inputs import float_inputs, quantized_inputs

SPLITS = ("train", "val", "test")


def data_key(cfg) -> str:
    return cache.make_key("data", cfg.dataset.as_dict(), list(cfg.classes))


def data_path(cfg):
    return paths.data_file(cfg.dataset.generator, data_key(cfg))


@dataclass
class Split:
    images_gev: np.ndarray          # (N, H, W, C) pixel energy in GeV
    labels: np.ndarray              # (N,) class index
    features: dict                  # per-example physics quantities (mass, pt, ...)

    def __len__(self):
        return len(self.labels)


def image_shape(cfg) -> tuple:
    return tuple(GENERATORS[cfg.dataset.generator].images(cfg.dataset.as_dict())[cfg.input.image])


def load(cfg, split: str, path=None) -> Split:
    """One split of the config's data set (at `path`, default data_path(cfg)), checked to be its data."""
    if split not in SPLITS:
        raise ValueError(split)
    path = data_path(cfg) if path is None else path
    remake = f"delete it and run `make data MODEL={cfg.name}`"
    if not path.exists():
        cache.raise_missing(path, "data file", f"make data MODEL={cfg.name}")
    image = cfg.input.image
    shape = image_shape(cfg)
    try:
        with h5py.File(path, "r") as f:
            if f.attrs.get("key") != data_key(cfg):
                raise UserError(f"data file {path} was made from a different dataset config; {remake}")
            mask = f["split"][:] == SPLITS.index(split)
            images = f[f"image_{image}"][:][mask]
            labels = f["label"][:][mask].astype(np.int64)
            skip = {"split", "label"} | {k for k in f.keys() if k.startswith("image_")}
            features = {k: f[k][:][mask] for k in f.keys() if k not in skip}
    except (OSError, KeyError) as e:
        raise UserError(f"data file {path} is unreadable or incomplete ({e}); {remake}") from None
    if images.ndim == 3:  # single-channel images are stored without the channel axis
        images = images[..., None]
    if images.shape[1:] != shape:
        raise UserError(f"data file {path} holds {images.shape[1:]} images but input.image '{image}' is {shape}; "
                        f"{remake}")
    return Split(images, labels, features)


def model_inputs(cfg, split: Split, quantized: bool) -> np.ndarray:
    """(N, H, W, C) float32 network inputs: on the firmware's input grid when quantized."""
    fn = quantized_inputs if quantized else float_inputs
    return fn(split.images_gev, cfg.input.as_dict())
