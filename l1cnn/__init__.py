"""l1cnn: compact quantized CNNs from physics data to bit-exact hls4ml firmware."""

__version__ = "0.1.0"
