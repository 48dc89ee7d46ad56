"""frdiff: what changed on the US Entity List.

The library returns data (frozen structs from :mod:`frdiff.model`); the CLI
formats it.  Entry points for callers:

- :func:`frdiff.parse.rule.parse_rule` - a Federal Register rule's XML -> ChangeSet
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
