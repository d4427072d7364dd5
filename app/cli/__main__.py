"""``python -m app.cli``, the same as the ``edumap`` console script."""

from app.cli import main

main()
