"""Errors raised for a user's data problems (paths, keys, shapes, dtypes)."""


class DataError(ValueError):
    """A problem with the user's data: the message names it and the fix."""
