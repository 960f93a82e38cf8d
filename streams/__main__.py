"""Entry point of the `wirestream` command (also `python -m streams`)."""

from __future__ import annotations


def main() -> None:
    """Run the Faust command line of the wirestream app (worker, push, tail, kafka, demo, eval)."""
    from streams.app import app

    app.main()


if __name__ == "__main__":
    main()
