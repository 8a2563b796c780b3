"""Every object a saved QKeras model may name, for `load_model(custom_objects=...)`.

qkeras_objects(): the Keras layers, quantizers, initializers and constraints the installed QKeras
  defines (`qkeras.utils._add_supported_quantized_objects` misses some, e.g. quantized_hswish),
  plus QDenseBatchnorm when the installed QKeras has none.
QDenseBatchnorm: QKeras' QDense with a BatchNormalization folded into its quantized weights. It was
  never released: it lives in google/qkeras pull request #74 (qkeras/qdense_batchnorm.py), which
  models such as CMS CICADA are trained with; QKeras 0.9.0 (PyPI) cannot load them. This class takes
  the same arguments and config keys, holds the same weights in the same order under the same
  attribute names (so .h5 and .keras files written by that QKeras load here), and runs the same
  float32 operations in the same order, so its outputs are bit for bit those of the original.
  At inference:
    inv = rsqrt(moving_variance + epsilon) * gamma
    y = dot(x, kernel_quantizer(inv * kernel)) + bias_quantizer(inv * (bias - moving_mean) + beta)
"""

import functools
import importlib

import tensorflow as tf
from qkeras import QDense
from tensorflow.python.framework import smart_cond as tf_smart_cond

# Modules of QKeras (0.9.0 and later) that define serializable objects; missing ones are skipped.
_QKERAS_MODULES = ("qlayers", "quantizers", "base_quantizer", "qconvolutional", "qpooling", "qnormalization",
                   "qrecurrent", "qoctave", "qconv2d_batchnorm", "qdepthwiseconv2d_batchnorm", "qdense_batchnorm",
                   "qdepthwise_conv2d_transpose", "qseparable_conv2d_transpose", "qmac")

_FOLDING_MODES = ("ema_stats_folding", "batch_stats_folding")


def _smart_cond(pred, true_fn, false_fn):
    # A Python bool or constant tensor picks a branch when traced; only a dynamic one builds a tf.cond.
    return tf_smart_cond.smart_cond(pred, true_fn, false_fn)


class QDenseBatchnorm(QDense):
    """QDense followed by a BatchNormalization, folded: the quantizers see the folded weights.

    ema_freeze_delay: training steps after which the batch statistics are no longer used (None or
      negative: never frozen). folding_mode: "ema_stats_folding" folds the kernel with the moving
      statistics and corrects the output by the batch statistics while training; "batch_stats_folding"
      folds with the batch statistics while training. Both fold the moving statistics at inference.
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="he_normal",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, kernel_quantizer=None,
                 bias_quantizer=None, kernel_range=None, bias_range=None,
                 # the batch normalization, as BatchNormalization takes it
                 axis=-1, momentum=0.99, epsilon=0.001, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 renorm=False, renorm_clipping=None, renorm_momentum=0.99, fused=None, trainable=True,
                 virtual_batch_size=None, adjustment=None,
                 ema_freeze_delay=None, folding_mode="ema_stats_folding", **kwargs):
        if folding_mode not in _FOLDING_MODES:
            raise ValueError(f"folding_mode must be one of {', '.join(_FOLDING_MODES)}, not {folding_mode!r}")
        super().__init__(units=units, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, kernel_quantizer=kernel_quantizer,
                         bias_quantizer=bias_quantizer, kernel_range=kernel_range, bias_range=bias_range, **kwargs)
        # `trainable` goes to the batch norm only, as in the original: its config key is the batch norm's,
        # and a non-trainable batch norm makes the whole layer fold the moving statistics.
        self.batchnorm = tf.keras.layers.BatchNormalization(
            axis=axis, momentum=momentum, epsilon=epsilon, center=center, scale=scale,
            beta_initializer=beta_initializer, gamma_initializer=gamma_initializer,
            moving_mean_initializer=moving_mean_initializer, moving_variance_initializer=moving_variance_initializer,
            beta_regularizer=beta_regularizer, gamma_regularizer=gamma_regularizer, beta_constraint=beta_constraint,
            gamma_constraint=gamma_constraint, renorm=renorm, renorm_clipping=renorm_clipping,
            renorm_momentum=renorm_momentum, fused=fused, trainable=trainable,
            virtual_batch_size=virtual_batch_size, adjustment=adjustment)
        self.ema_freeze_delay = ema_freeze_delay
        self.folding_mode = folding_mode

    def build(self, input_shape):
        super().build(input_shape)  # kernel, bias
        # Training steps seen; a tracked non-trainable weight after kernel and bias (saved files rely on
        # the order: kernel, bias, gamma, beta, iteration, moving_mean, moving_variance).
        self._iteration = tf.Variable(-1, trainable=False, name="iteration", dtype=tf.int64)

    # --- folding arithmetic, float32 in the original's order ---

    def _inv(self, variance):
        """gamma / sqrt(variance + epsilon), as rsqrt(variance + epsilon) * gamma."""
        inv = tf.math.rsqrt(variance + self.batchnorm.epsilon)
        gamma = self.batchnorm.gamma
        return inv if gamma is None else inv * gamma

    def _folded_bias(self, inv, bias, mean):
        """inv * (bias - mean) + beta (beta absent when center=False, where the original fails)."""
        folded = inv * (bias - mean)
        beta = self.batchnorm.beta
        return folded if beta is None else folded + beta

    def call(self, inputs, training=None):
        bn = self.batchnorm
        training = bn._get_training_value(training)  # learning phase when None; False if bn not trainable
        if self.ema_freeze_delay is None or self.ema_freeze_delay < 0:
            bn_training = tf.cast(training, dtype=tf.bool)
        else:
            bn_training = tf.math.logical_and(training, tf.math.less_equal(self._iteration, self.ema_freeze_delay))

        # The unfolded output: its batch statistics, and the batch norm's moving averages when training.
        bias = self.bias if self.use_bias else 0
        y = tf.keras.backend.dot(inputs, self.kernel)
        if self.use_bias:
            y = tf.keras.backend.bias_add(y, bias, data_format="channels_last")
        bn(y, training=bn_training)
        self._iteration.assign_add(_smart_cond(training, lambda: tf.constant(1, tf.int64),
                                               lambda: tf.constant(0, tf.int64)))
        reduction_axes = [i for i in range(len(y.shape)) if i not in bn.axis]
        mean, variance = bn._moments(tf.cast(y, bn._param_dtype), reduction_axes, keep_dims=len(bn.axis) > 1)

        moving_mean, moving_variance = bn.moving_mean, bn.moving_variance
        if self.folding_mode == "batch_stats_folding":
            inv = self._inv(_smart_cond(bn_training, lambda: variance, lambda: moving_variance))
            folded_bias = self._folded_bias(inv, bias, _smart_cond(bn_training, lambda: mean, lambda: moving_mean))
        else:
            # The kernel is always folded with the moving statistics (no batch-to-batch jitter in the
            # quantized kernel); the bias uses the batch statistics until the freeze.
            inv = self._inv(moving_variance)
            batch_inv = self._inv(variance)
            folded_bias = _smart_cond(bn_training, lambda: self._folded_bias(batch_inv, bias, mean),
                                      lambda: self._folded_bias(inv, bias, moving_mean))

        kernel = inv * self.kernel
        if self.kernel_quantizer is not None:  # the original tests the argument, not the internal quantizer
            kernel = self.kernel_quantizer_internal(kernel)
        if self.bias_quantizer_internal is not None:
            folded_bias = self.bias_quantizer_internal(folded_bias)

        out = tf.keras.backend.dot(inputs, kernel)
        if training is True and self.folding_mode == "ema_stats_folding":
            # Until the freeze, rescale to the batch statistics so training sees plain batch norm.
            correction = _smart_cond(
                bn_training,
                lambda: tf.math.sqrt(moving_variance + bn.epsilon) * tf.math.rsqrt(variance + bn.epsilon),
                lambda: tf.constant(1.0, shape=moving_variance.shape))
            out = tf.math.multiply(out, correction)
        out = tf.keras.backend.bias_add(out, folded_bias, data_format="channels_last")
        return out if self.activation is None else self.activation(out)

    def get_config(self):
        # QDense's keys, then the batch norm's (overriding trainable and dtype), then ours; the name is ours.
        config = {**super().get_config(), **self.batchnorm.get_config(),
                  "ema_freeze_delay": self.ema_freeze_delay, "folding_mode": self.folding_mode}
        config["name"] = self.name
        return config

    def get_quantization_config(self):
        return {"kernel_quantizer": str(self.kernel_quantizer_internal),
                "bias_quantizer": str(self.bias_quantizer_internal)}

    def get_quantizers(self):
        return self.quantizers

    def get_folded_weights(self):
        """[gamma * W / sqrt(var + eps), gamma * (b - mean) / sqrt(var + eps) + beta] on the moving
        statistics, unquantized float32 tensors, exactly what call() quantizes at inference."""
        bn = self.batchnorm
        inv = self._inv(bn.moving_variance)
        bias = self.bias if self.use_bias else 0
        return [inv * self.kernel, self._folded_bias(inv, bias, bn.moving_mean)]


def _is_saved_kind(obj, kinds) -> bool:
    return (isinstance(obj, type) and obj.__module__.startswith("qkeras") and not obj.__name__.startswith("_")
            and issubclass(obj, kinds))


@functools.lru_cache(maxsize=None)
def _objects() -> dict:
    import qkeras.quantizers
    from qkeras.utils import _add_supported_quantized_objects

    kinds = (tf.keras.layers.Layer, tf.keras.initializers.Initializer, tf.keras.constraints.Constraint,
             qkeras.quantizers.BaseQuantizer)
    objects = {}
    for name in _QKERAS_MODULES:
        try:
            module = importlib.import_module(f"qkeras.{name}")
        except ImportError:  # a module of another QKeras version
            continue
        for attr, obj in vars(module).items():
            if _is_saved_kind(obj, kinds) and attr == obj.__name__:
                objects.setdefault(attr, obj)
    _add_supported_quantized_objects(objects)  # QKeras' own choice wins where they differ
    objects.setdefault("QDenseBatchnorm", QDenseBatchnorm)  # only when the installed QKeras has none
    return objects


def qkeras_objects() -> dict:
    """name -> class for every object a saved QKeras model may name (a new dict each call)."""
    return dict(_objects())
