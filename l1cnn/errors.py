"""The one exception type the CLI turns into a single-line message and exit code 2."""


class UserError(Exception):
    """Bad input from the user: the message names the problem and how to fix it."""
