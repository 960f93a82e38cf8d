"""Entry point of the `wirestream` command (also `python -m streams`).

Faust's command line, with wirestream's face: its own help (wirestream's commands first, Faust's apart), its own
``--version``, a worker without Faust's web server by default, and ``-l warning``/``-l critical`` accepted.
"""

from __future__ import annotations

import platform
from collections.abc import Sequence
from typing import Any

import click
from faust.cli.params import CaseInsensitiveChoice

#: wirestream's own commands, in the order the help lists them; every other command is Faust's.
WIRESTREAM_COMMANDS = ("worker", "push", "tail", "enrich", "entities", "clusters", "kafka", "demo", "eval")
#: Python's spellings of log levels that Faust's ``-l`` does not know.
LOGLEVEL_ALIASES = ("warning", "critical")
#: Spellings turned into Python's level names (mode cannot set up logging at Faust's own ``crit``).
LOGLEVEL_NAMES = {"crit": "critical", "fatal": "critical", "warn": "warning"}

HELP = """wirestream: enrich news wire stories on Kafka with entities, IPTC Media Topics and stance.

Producers (or `wirestream push`) write stories to WIRESTREAM_TOPIC_RAW [wire.raw]; workers publish ninjs 3.0
events to WIRESTREAM_TOPIC_ENRICHED [wire.enriched] and per-topic wire.topic.<slug>, bad input to
WIRESTREAM_TOPIC_DEADLETTER [wire.deadletter]. Every setting is a WIRESTREAM_* environment variable (README,
Configuration); the broker is WIRESTREAM_KAFKA_BOOTSTRAP [localhost:9092].

Start here: `wirestream kafka up`, `wirestream worker -l info`, `wirestream push seeds/`, `wirestream tail`.
"""

WORKER_HELP = """Run a wirestream worker: consume WIRESTREAM_TOPIC_RAW [wire.raw], enrich, publish.

Workers of one consumer group (WIRESTREAM_APP_ID [wirestream]) share the raw topic's partitions: scale out with
more processes. Each serves Prometheus metrics on
http://WIRESTREAM_METRICS_HOST:WIRESTREAM_METRICS_PORT/metrics [127.0.0.1:9108]; give a second worker on the same
host another WIRESTREAM_METRICS_PORT (or 0: no metrics). A worker that cannot reach the broker
(WIRESTREAM_KAFKA_BOOTSTRAP [localhost:9092]) within WIRESTREAM_KAFKA_TIMEOUT_S [10] seconds, or whose metrics
port is taken, says so in one line and exits 1. Faust's own web server stays off unless --with-web.
"""


class LogLevel(CaseInsensitiveChoice):
    """Faust's ``-l`` choices plus Python's ``warning``/``critical``, converted to Python's level names."""

    def __init__(self, choices: Sequence[str]) -> None:
        super().__init__(choices)
        self.faust_choices = list(self.choices)
        self.choices = [*self.faust_choices, *LOGLEVEL_ALIASES]

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        level = str(super().convert(value, param, ctx)).lower()
        default = getattr(param, "default", None)
        if isinstance(default, str) and level == default.lower():
            # Faust records a level only when it differs from the default: the root option's untouched default must
            # stay equal to it, or it would shadow the subcommand's `worker -l info`.
            return default
        return LOGLEVEL_NAMES.get(level, level)


def version_text() -> str:
    """``wirestream 0.1.0 (Faust 0.15.3, Python 3.11.7)``."""
    import faust

    from streams import __version__

    return f"wirestream {__version__} (Faust {faust.__version__}, Python {platform.python_version()})"


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(version_text())
        ctx.exit()


def _accept_python_loglevels(command: click.Command) -> None:
    for param in command.params:
        if param.name == "loglevel" and isinstance(param.type, CaseInsensitiveChoice) and not isinstance(param.type, LogLevel):
            param.type = LogLevel(param.type.choices)


def _group_class(base: type[click.Group]) -> type[click.Group]:
    class WirestreamGroup(base):  # type: ignore[valid-type,misc]
        """Faust's root group listing wirestream's commands first and Faust's own apart."""

        def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
            names = self.list_commands(ctx)
            ours = [n for n in WIRESTREAM_COMMANDS if n in names]
            for title, group in (("wirestream commands", ours), ("Faust commands (the framework's tools)", [n for n in names if n not in ours])):
                rows = []
                for name in group:
                    cmd = self.get_command(ctx, name)
                    if cmd is not None and not cmd.hidden:
                        rows.append((name, cmd.get_short_help_str(limit=formatter.width - 6 - max(map(len, group)))))
                if rows:
                    with formatter.section(title):
                        formatter.write_dl(rows)

    return WirestreamGroup


def build_cli(faust_cli: click.Group) -> click.Group:
    """wirestream's root command, built from Faust's (its options, callback and commands)."""
    params = [p for p in faust_cli.params if p.name != "version"]
    params.insert(0, click.Option(["--version"], is_flag=True, expose_value=False, is_eager=True,
                                  callback=_print_version, help="Show wirestream's and Faust's versions and exit."))  # fmt: skip
    group = _group_class(type(faust_cli))(
        name="wirestream", commands=dict(faust_cli.commands), params=params, callback=faust_cli.callback, help=HELP
    )
    for command in [group, *group.commands.values()]:
        _accept_python_loglevels(command)
    worker = group.commands.get("worker")
    if worker is not None:
        worker.help = WORKER_HELP
        for param in worker.params:
            if param.name == "with_web":
                param.default = False  # the README's `--without-web`: Faust's web server would take port 6066
    return group


def declare_agents(role: str) -> None:
    """Declare the agents of ``role`` on the app (importing their modules does it).

    ``enrich`` (the default) is stateless: wire.raw to enriched events. ``state`` runs the agents with Faust tables
    (entity registry, event clusters) over wire.enriched in a consumer group of its own, so a table recovery can
    never hold up enrichment, and each role scales (and fails) on its own.
    """
    if role == "enrich":
        import streams.agents  # noqa: F401
    else:
        import streams.cluster_agent  # noqa: F401
        import streams.registry_agent  # noqa: F401


def main() -> None:
    """Run wirestream's command line (worker, push, tail, kafka, demo, eval and Faust's own commands)."""
    from faust.cli.faust import cli as faust_cli

    import streams.cli.commands  # noqa: F401 - registers the commands on the app
    from streams.app import app, settings

    declare_agents(settings.role)
    app.finalize()
    app.worker_init()
    if app.conf.autodiscover:  # type: ignore[misc]  # a setting, not a method (see faust.App.main)
        app.discover()
    app.worker_init_post_autodiscover()
    build_cli(faust_cli)(app=app)  # what faust.App.main() does, with wirestream's root command


if __name__ == "__main__":
    main()
