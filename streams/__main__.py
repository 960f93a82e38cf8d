"""Entry point of the `wirestream` command (also `python -m streams`)."""

from __future__ import annotations


def main() -> None:
    """Run the Faust command line of the wirestream app (worker, push, tail, kafka, demo, eval)."""
    import streams.agents  # noqa: F401 - declares the agent on the app
    import streams.cli.commands  # noqa: F401 - registers the commands on the app
    from streams.app import app

    app.main()


if __name__ == "__main__":
    main()
