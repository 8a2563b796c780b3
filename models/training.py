"""Training loop shared by the float, quantization-aware and pruning runs.

Seeds are fixed, TF op determinism is on and training runs in THREADS TensorFlow threads on any
machine, so the same data and config give the same weights (the summation order of a multi-threaded
kernel depends on the thread count). Early stopping restores the best validation-loss weights; the
best model is also checkpointed to disk while training runs.
"""

import sys

THREADS = 1  # TensorFlow threads for every training run (stage keys include it)


def hold_threads() -> None:
    """Hold TensorFlow to THREADS threads. Must run before TensorFlow's runtime starts (the first model
    built or loaded in the process); raises if something started it with other counts."""
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(THREADS)
        tf.config.threading.set_inter_op_parallelism_threads(THREADS)
    except RuntimeError:  # already initialised: fine when it was by this function
        pass
    if tf.config.threading.get_intra_op_parallelism_threads() != THREADS:
        raise RuntimeError(f"TensorFlow started with other thread counts before training; train in a fresh "
                           f"process (its weights must not depend on the machine's core count)")


def seed_everything(seed: int) -> None:
    import tensorflow as tf

    hold_threads()
    tf.keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def compile_model(model, learning_rate: float) -> None:
    import tensorflow as tf

    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])


def fit(model, train, val, *, epochs, batch_size, learning_rate, patience, seed, checkpoint=None,
        extra_callbacks=(), early_stopping=True, verbose=None):
    """Train on (x, y) tuples; returns the Keras history dict. verbose: Keras' (default: a progress bar on
    a terminal, one line per epoch otherwise)."""
    import tensorflow as tf

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
