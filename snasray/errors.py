"""Errors a user can cause. The CLI turns them into one line and exit code 2."""


class UserError(Exception):
    """Bad input: a malformed cell, an unknown space, missing data, a bad path."""
