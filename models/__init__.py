"""CNN definitions built from the `architecture` list of a model config."""
