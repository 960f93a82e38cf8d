"""promtool validates the Prometheus configs and runs the alert-rule unit tests (deploy/prometheus/)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

PROM_DIR = Path(__file__).resolve().parents[3] / "deploy" / "prometheus"
PROMTOOL = shutil.which("promtool")

pytestmark = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool not installed (`make prometheus` installs Debian's prometheus package)"
)


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    return subprocess.run([PROMTOOL, *args], cwd=PROM_DIR, capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize("config", ["prometheus.yml", "prometheus.compose.yml"])
def test_config_is_valid(config: str) -> None:
    result = _promtool("check", "config", config)
    assert result.returncode == 0, result.stdout + result.stderr


def test_rules_are_valid() -> None:
    result = _promtool("check", "rules", "alerts.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 6 rules found" in result.stdout


def test_alert_unit_tests_pass() -> None:
    result = _promtool("test", "rules", "alerts_test.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_firing_and_a_quiet_case() -> None:
    yaml = pytest.importorskip("yaml")
    alerts = yaml.safe_load((PROM_DIR / "alerts.yml").read_text())
    names = {rule["alert"] for group in alerts["groups"] for rule in group["rules"]}
    cases = yaml.safe_load((PROM_DIR / "alerts_test.yml").read_text())
    fired: set[str] = set()
    quiet: set[str] = set()
    for test in cases["tests"]:
        for check in test.get("alert_rule_test", []):
            (fired if check["exp_alerts"] else quiet).add(check["alertname"])
    assert names == fired, f"alerts never shown firing: {names - fired}"
    assert names == quiet, f"alerts never shown quiet: {names - quiet}"


def test_every_alert_has_annotations_and_runbook() -> None:
    yaml = pytest.importorskip("yaml")
    alerts = yaml.safe_load((PROM_DIR / "alerts.yml").read_text())
    for group in alerts["groups"]:
        for rule in group["rules"]:
            assert {"summary", "description", "runbook_url"} <= set(rule["annotations"]), rule["alert"]
            assert rule["labels"]["severity"] in {"warning", "critical"}
