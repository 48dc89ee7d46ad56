"""Parsers: pure functions from bytes to :mod:`frdiff.model` objects."""
