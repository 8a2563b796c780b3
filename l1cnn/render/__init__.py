"""Rendering l1cnn's own report: markdown (report.md, reports/index.md) and the PNG plots."""
