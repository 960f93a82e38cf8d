"""``wirestream eval``: score the enrichment library on data laid out like ``../shared/data``.

    wirestream eval --data-dir DIR --out report.json [--tasks ner,linking,quotes,stance,topics,speed]
                    [--predictions OUTDIR] [--limit N]
    python -m streams.eval ...   (same options)

Tasks: ``ner`` (CoNLL-2003 dev, :mod:`streams.eval.ner`), ``ner.gum`` (GUM dev, :mod:`streams.eval.ner_gum`), ``linking`` (GUM dev places, :mod:`streams.eval.linking`),
``quotes`` (PolNeAR dev, :mod:`streams.eval.quotes`), ``stance`` (NewsMTSC dev, :mod:`streams.eval.stance`),
``topics`` (:mod:`streams.eval.topics`) and ``speed`` (the configured stages over 300 BBC articles,
:mod:`streams.eval.speed`). A task whose data or module is missing is skipped with a message. Each stage is built
once and shared between tasks.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from streams.eval.report import format_table, write_report

log = logging.getLogger(__name__)
TOPIC_TASKS = ("topics.bbc", "topics.huffpost", "topics.masakhanews", "topics.own")  # "topics" runs all four
ALL_TASKS = ("ner", "ner.gum", "linking", "quotes", "stance", "topics", *TOPIC_TASKS, "speed", "clusters")
DEFAULT_TASKS = ("ner", "ner.gum", "linking", "quotes", "stance", *TOPIC_TASKS, "speed", "clusters")
DEFAULT_DATA_DIR = Path("../shared/data")
DATA_FILES = {
    "linking": ("gum/splits.md",),
    "quotes": ("polnear/dev.jsonl",),
    "ner": ("conll2003/dev.conll",),
    "ner.gum": ("gum/splits.md",),
    "stance": ("newsmtsc/dev_rw.jsonl", "newsmtsc/dev_mt.jsonl"),
    "topics.bbc": ("bbc-news/articles.jsonl",),
    "topics.huffpost": ("huffpost/dev.jsonl",),
    "topics.masakhanews": ("masakhanews-en/dev.jsonl",),
    "speed": ("bbc-news/articles.jsonl",),
}


class ModelUnavailable(Exception):
    """A model a task needs could not be loaded (not shipped yet, or its module is missing)."""


class _Models:
    """Builds each stage on first use, once (its model is shared by every task that needs it)."""

    def __init__(self, overrides: dict[str, Any] | None = None) -> None:
        from streams.config import get_settings

        # The worker's settings (WIRESTREAM_STANCE_MAX_* and the rest) apply here too, so speed is measured as
        # deployed; the stages themselves are chosen per task by enricher().
        config = replace(get_settings().enrich_config(), **(overrides or {}))
        self.config = replace(config, stance_max_entities=max(config.stance_max_entities, 1))
        self._stages: dict[tuple[str, tuple[tuple[str, Any], ...]], Any] = {}
        self._failed: dict[str, str] = {}

    def stage(self, name: str, **overrides: Any) -> Any:
        """The built stage ``name`` (with config ``overrides``); raises :class:`ModelUnavailable` if it cannot load."""
        from streams.enrich.stages import UnknownStageError, build_stages

        key = (name, tuple(sorted(overrides.items())))
        if name in self._failed:
            raise ModelUnavailable(self._failed[name])
        if key not in self._stages:
            try:
                (self._stages[key],) = build_stages(replace(self.config, **overrides), [name])
            except (ImportError, FileNotFoundError, OSError, UnknownStageError) as exc:
                self._failed[name] = f"{name} model unavailable: {type(exc).__name__}: {exc}"
                raise ModelUnavailable(self._failed[name]) from exc
        return self._stages[key]

    def enricher(self, stages: Sequence[str], **overrides: Any) -> Any:
        """An :class:`Enricher` running ``stages`` (same code path as the worker) over the shared models."""
        from streams.enrich.pipeline import Enricher

        return Enricher([self.stage(n, **overrides) for n in stages], replace(self.config, **overrides))

    def model_versions(self) -> dict[str, str]:
        return {stage.name: str(stage.version) for stage in self._stages.values()}


def _missing(data_dir: Path, task: str) -> str | None:
    files = DATA_FILES.get(task, ())
    if files and not any((data_dir / f).is_file() for f in files):
        return f"no data ({' or '.join(files)}) under {data_dir}"
    return None


def run_eval(
    data_dir: Path,
    out: Path | None = None,
    tasks: Sequence[str] = DEFAULT_TASKS,
    predictions_dir: Path | None = None,
    limit: int | None = None,
    candidate: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Run ``tasks`` on ``data_dir``; write the report to ``out`` (when given) and return it.

    The report holds flat metric keys (``ner.conll.f1_per_org_loc``, ``stance.newsmtsc_rw.f1m``...),
    ``skipped`` (task -> reason), ``model_versions``, ``data_dir``, ``limit`` and ``seconds`` (per task).
    ``candidate`` (EnrichConfig overrides, e.g. another ``topics_model_dir``) scores the same tasks a second time
    with that configuration, in the same run, under keys prefixed ``candidate.``.
    """
    data_dir = Path(data_dir)
    unknown = [t for t in tasks if t not in ALL_TASKS]
    if unknown:
        raise ValueError(f"unknown task(s) {unknown}; choose from {', '.join(ALL_TASKS)}")
    report: dict[str, Any] = {"data_dir": str(data_dir), "limit": limit, "skipped": {}, "seconds": {}}
    models = _Models()
    _score(tasks, data_dir, models, predictions_dir, limit, report)
    report["model_versions"] = models.model_versions()
    if candidate:
        other = _Models(candidate)
        found: dict[str, Any] = {"skipped": {}, "seconds": {}}
        _score(tasks, data_dir, other, None, limit, found)
        report.update({f"candidate.{k}": v for k, v in found.items()})
        report["candidate.config"] = {k: str(v) for k, v in candidate.items()}
        report["candidate.model_versions"] = other.model_versions()
    if out is not None:
        write_report(report, Path(out))
    return report


def _score(
    tasks: Sequence[str],
    data_dir: Path,
    models: _Models,
    predictions_dir: Path | None,
    limit: int | None,
    report: dict[str, Any],
) -> None:
    for task in tasks:
        reason = _missing(data_dir, task)
        if reason is None:
            t0 = time.perf_counter()
            try:
                found = _run_task(task, data_dir, models, predictions_dir, limit)
            except ModelUnavailable as exc:
                found, reason = {}, str(exc)
            except ImportError as exc:  # a helper's evaluation module is not there yet
                found, reason = {}, f"module missing: {exc}"
            report["seconds"][task] = round(time.perf_counter() - t0, 2)
            if not found and reason is None:
                reason = "no items scored"
            report.update(found)
        if reason is not None:
            report["skipped"][task] = reason
            print(f"eval: skipping {task}: {reason}", file=sys.stderr)


def _run_task(
    task: str, data_dir: Path, models: _Models, predictions_dir: Path | None, limit: int | None
) -> dict[str, float]:
    if task == "ner":
        from streams.eval.ner import enricher_predictor, evaluate_ner

        return evaluate_ner(
            data_dir, enricher_predictor(models.enricher(["entities"], max_entities=1_000_000)), limit=limit, predictions_dir=predictions_dir
        )
    if task == "ner.gum":  # named entities derived from GUM dev (streams.eval.ner_gum)
        from streams.eval.ner import enricher_predictor
        from streams.eval.ner_gum import evaluate_ner_gum

        predict = enricher_predictor(models.enricher(["entities"], max_entities=1_000_000))
        return evaluate_ner_gum(data_dir, predict, limit=limit, predictions_dir=predictions_dir)
    if task == "stance":
        from streams.eval.stance import evaluate_stance

        return evaluate_stance(data_dir, models.stage("stance").model, limit, predictions_dir)
    if task == "linking":  # linking.gum: GeoNames linking of GUM dev's named places (gold mentions)
        from streams.enrich.linking import Linker
        from streams.enrich.stages.linking import load_gazetteer
        from streams.eval.linking import evaluate_linking

        return evaluate_linking(data_dir, Linker(load_gazetteer()), limit, predictions_dir)
    if task == "quotes":  # quotes.polnear: attributions of PolNeAR dev, speakers resolved to the found entities
        from streams.eval.quotes import enricher_entities, evaluate_quotes

        finder = enricher_entities(models.enricher(["entities"]))
        return evaluate_quotes(data_dir, finder, limit, predictions_dir, cues=models.stage("quotes").cues)
    if task == "topics" or task in TOPIC_TASKS:  # topics.<set>: streams.eval.topics (own = tests/data/topics)
        from streams.config import get_settings
        from streams.eval.topics import SETS, evaluate_topics

        sets = SETS if task == "topics" else (task.removeprefix("topics."),)
        route = get_settings().topic_route_min_confidence
        return evaluate_topics(data_dir, models.stage("topics").model, limit, predictions_dir, sets, route)
    if task == "speed":
        from streams.eval.speed import measure_speed

        stages = []
        for stage in models.config.stages:
            try:
                models.stage(stage)
                stages.append(stage)
            except ModelUnavailable as exc:
                print(f"eval: speed measured without {stage}: {exc}", file=sys.stderr)
        found = measure_speed(data_dir, models.enricher(stages), n=min(limit or 300, 300))
        if not found:
            return found
        knobs = {
            "speed.stance_max_entities": float(models.config.stance_max_entities),
            "speed.stance_max_sentences": float(models.config.stance_max_sentences),
        }
        return {**found, **knobs, "speed.full_pipeline": float(len(stages) == len(models.config.stages))}
    if task == "clusters":  # clusters.*: event clusters (B-cubed) and near-duplicates on tests/data/clusters
        from streams.eval.clusters import STAGES, evaluate_clusters

        return evaluate_clusters(data_dir, models.enricher(list(STAGES)), limit, predictions_dir)
    raise ValueError(task)


@dataclass(frozen=True)
class EvalOption:
    """One option of ``wirestream eval``: argparse here and click in streams/cli/commands.py are built from it."""

    flag: str
    type: type
    default: Any
    help: str
    multiple: bool = False

    @property
    def dest(self) -> str:
        return self.flag.removeprefix("--").replace("-", "_")


EVAL_OPTIONS: tuple[EvalOption, ...] = (
    EvalOption("--data-dir", Path, DEFAULT_DATA_DIR, "folder laid out like ../shared/data; tasks without data are skipped"),
    EvalOption("--out", Path, Path("eval-report.json"), "JSON report path"),
    EvalOption("--tasks", str, ",".join(DEFAULT_TASKS), f"comma-separated subset of {','.join(ALL_TASKS)}"),
    EvalOption("--predictions", Path, None, "folder for one predictions JSONL per task"),
    EvalOption("--limit", int, None, "score only the first N items of each task"),
    EvalOption(
        "--candidate",
        str,
        (),
        "KEY=VALUE: score a candidate configuration beside the shipped one, e.g. topics_model_dir=PATH "
        "(repeatable; keys of streams.enrich.config.EnrichConfig; report keys prefixed 'candidate.')",
        multiple=True,
    ),
)


def build_parser() -> argparse.ArgumentParser:
    """Command-line options of ``wirestream eval`` / ``python -m streams.eval``."""
    ap = argparse.ArgumentParser(prog="wirestream eval", description="Score the enrichment library on dev data.")
    for o in EVAL_OPTIONS:
        shown = f" (default: {o.default})" if o.default not in (None, ()) else ""
        if o.multiple:
            ap.add_argument(o.flag, type=o.type, action="append", default=[], help=o.help)
        else:
            ap.add_argument(o.flag, type=o.type, default=o.default, help=o.help + shown)
    return ap


def argv_of(values: dict[str, Any]) -> list[str]:
    """The command line that gives ``values`` (keyed by option dest), for forwarding click's parse to :func:`main`."""
    argv: list[str] = []
    for o in EVAL_OPTIONS:
        value = values.get(o.dest)
        for v in (value or ()) if o.multiple else [value]:
            if v is not None:
                argv += [o.flag, str(v)]
    return argv


def parse_candidate(items: Sequence[str]) -> dict[str, Any]:
    """``KEY=VALUE`` items as EnrichConfig overrides (paths, ``true``/``false`` flags, ``stages`` comma lists, digits
    ints, by the field's type)."""
    from dataclasses import fields

    from streams.enrich.config import EnrichConfig

    types = {f.name: str(f.type) for f in fields(EnrichConfig)}
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or key not in types:
            raise ValueError(f"bad --candidate {item!r}: use KEY=VALUE with KEY one of {', '.join(sorted(types))}")
        if types[key] == "bool":
            if value.lower() not in ("true", "false", "1", "0"):
                raise ValueError(f"bad --candidate {item!r}: {key} is true or false")
            out[key] = value.lower() in ("true", "1")
        elif types[key].startswith("Path"):
            out[key] = Path(value)
        elif key in ("stages", "stance_types"):
            out[key] = tuple(v.strip() for v in value.split(",") if v.strip())
        else:
            out[key] = int(value) if value.isdigit() else value
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``wirestream eval`` / ``python -m streams.eval``; prints the table, returns 0."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    try:
        report = run_eval(args.data_dir, args.out, tasks, args.predictions, args.limit, parse_candidate(args.candidate))
    except ValueError as exc:
        print(f"wirestream eval: {exc}", file=sys.stderr)
        return 2
    print(format_table(report))
    print(f"\nreport written to {args.out}")
    return 0
