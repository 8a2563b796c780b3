"""The error base class: every layer raises its own subclass, the CLI maps all of them to one line.

A message names the problem and the fix, in one line, e.g.
`model file m.h5 does not exist; train it first`.
"""


class L1CNNError(Exception):
    """Bad input a user can fix; the CLI prints its message as one line and exits with code 2."""


class ConfigError(L1CNNError, ValueError):
    """A config field (YAML or command-line setting) is missing, unknown or out of range."""
