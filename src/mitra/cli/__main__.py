"""``python -m mitra.cli``: the same root command as the ``mitra`` script."""

from mitra.cli import main

if __name__ == "__main__":
    main()
