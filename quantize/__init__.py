"""Fixed-point formats and the QKeras quantizers that realise them."""
