"""Command line: ``python -m verbs demo`` runs the batch example."""
from __future__ import annotations

import sys

from verbs.demo import main as demo


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: python -m verbs demo [--steps N] [--samples N] [--jobs N] [--plot FILE] "
              "[--profile [--profile-plot FILE]]")
        return 0 if argv else 2
    if argv[0] == "demo":
        return demo(argv[1:])
    print(f"unknown command {argv[0]!r}; try: python -m verbs demo", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
