"""``python -m frdiff``: the same as the ``frdiff`` command."""

from frdiff.cli import main

if __name__ == "__main__":
    main()
