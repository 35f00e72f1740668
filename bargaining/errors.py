"""The package's own exceptions: a user mistake, reported as one line naming file, key, expected and found.

The command line prints the message and exits with code 2; the Python API raises the exception.
"""


class ScenarioError(ValueError):
    """A user mistake in a scenario file or override: the message names file, key, expected and found."""


class UsageError(Exception):
    """A user mistake outside scenario files (e.g. an unwritable output path, a bad option value)."""
