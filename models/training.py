"""Training loop shared by the float, quantization-aware and pruning runs.

Seeds are fixed and TF op determinism is on, so the same data and config give
the same weights. Early stopping restores the best validation-loss weights;
the best model is also checkpointed to disk while training runs.
"""

import sys

import tensorflow as tf


def seed_everything(seed: int) -> None:
    tf.keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def compile_model(model, learning_rate: float) -> None:
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])


def fit(model, train, val, *, epochs, batch_size, learning_rate, patience, seed, checkpoint=None,
        extra_callbacks=(), early_stopping=True, verbose=None):
    """Train on (x, y) tuples; returns the Keras history dict. verbose: Keras' (default: a progress bar on
    a terminal, one line per epoch otherwise)."""
    seed_everything(seed)
    compile_model(model, learning_rate)
    callbacks = list(extra_callbacks)
    if early_stopping:
        callbacks.append(tf.keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience,
                                                          restore_best_weights=True))
        callbacks.append(tf.keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5,
                                                              patience=max(1, patience // 2), min_lr=1e-5))
    if checkpoint is not None:
        checkpoint.parent.mkdir(parents=True, exist_ok=True)
        callbacks.append(tf.keras.callbacks.ModelCheckpoint(str(checkpoint), monitor="val_loss",
                                                            save_best_only=True))
    history = model.fit(train[0], train[1], validation_data=val, epochs=epochs, batch_size=batch_size,
                        shuffle=True, callbacks=callbacks, verbose=(1 if sys.stderr.isatty() else 2) if verbose is None else verbose)
    return {k: [float(v) for v in vals] for k, vals in history.history.items()}
