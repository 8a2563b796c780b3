"""The top layer's own error: bad CLI use, missing or stale artifacts, unknown model names."""

from common.errors import L1CNNError


class UserError(L1CNNError):
    """Bad input from the user: the message names the problem and how to fix it."""
