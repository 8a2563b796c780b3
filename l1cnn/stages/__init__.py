"""Pipeline stages: each a function (config, input artifact) -> output artifact on disk."""
