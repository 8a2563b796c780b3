"""hls4ml conversion, C simulation and vendor synthesis of l1cnn models."""
