"""TLS for real: a CA and broker certificates made with openssl at test time, a broker of our own with an SSL and a
SASL_SSL (SCRAM-SHA-512) listener, and clients (worker, ``push``, ``tail``, admin) with hostname checking on.

Refusals are checked too: an untrusted CA, a certificate for another host name (accepted only with
``WIRESTREAM_KAFKA_SSL_CHECK_HOSTNAME=false``, so the hostname check is what refuses it) and a wrong SCRAM password.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import SecretStr

from faults.env import FaultEnv
from streams.cli.harness import free_port
from streams.config import Settings
from streams.kafka import local as kafka_local
from streams.kafka.admin import ensure_topics
from streams.topics import isolated

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl makes the test certificates"),
]

REPO = Path(__file__).resolve().parents[2]
STORE_PASSWORD = "ks-pass-4711"
USER, PASSWORD = "wire-scram", "Scr4m-512-secret"
SEEDS = ("n01_chipmaker_earnings.json", "n02_flood_barrier_holds.json")


@dataclass(frozen=True)
class Pki:
    ca: Path  # the CA clients trust
    other_ca: Path  # a CA that signed nothing the broker presents
    keystore: Path  # broker: subjectAltName IP:127.0.0.1, DNS:localhost
    wrong_name_keystore: Path  # broker: subjectAltName DNS:wrong-host.invalid only


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_ca(folder: Path, name: str) -> Path:
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={name}",
             "-keyout", f"{name}.key", "-out", f"{name}.pem",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
             cwd=folder)  # fmt: skip
    return folder / f"{name}.pem"


def make_keystore(folder: Path, ca: str, name: str, san: str) -> Path:
    """A PKCS#12 keystore with a server certificate for ``san`` signed by ``ca`` (chain included)."""
    (folder / f"{name}.ext").write_text(f"subjectAltName={san}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n")
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}", "-keyout", f"{name}.key", "-out", f"{name}.csr", cwd=folder)
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key", "-CAcreateserial",
             "-days", "2", "-extfile", f"{name}.ext", "-out", f"{name}.pem", cwd=folder)  # fmt: skip
    _openssl("pkcs12", "-export", "-in", f"{name}.pem", "-inkey", f"{name}.key", "-certfile", f"{ca}.pem",
             "-name", name, "-out", f"{name}.p12", "-passout", f"pass:{STORE_PASSWORD}", cwd=folder)  # fmt: skip
    return folder / f"{name}.p12"


def make_pki(folder: Path) -> Pki:
    ca, other = make_ca(folder, "test-ca"), make_ca(folder, "other-ca")
    good = make_keystore(folder, "test-ca", "broker", "IP:127.0.0.1,DNS:localhost")
    wrong = make_keystore(folder, "test-ca", "wrong-host", "DNS:wrong-host.invalid")
    return Pki(ca, other, good, wrong)


@dataclass(frozen=True)
class TlsBroker:
    broker: Settings  # PLAINTEXT admin side
    ssl: Settings  # clients over SSL, CA trusted, hostname checked
    sasl_ssl: Settings  # clients over SASL_SSL with SCRAM-SHA-512
    wrong_name_port: int
    pki: Pki


@pytest.fixture(scope="module")
def tls_broker(kafka_jars_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsBroker]:
    """A broker of its own with SSL, SASL_SSL and a wrong-name SSL listener; stopped afterwards."""
    pki = make_pki(tmp_path_factory.mktemp("pki"))
    port, ssl_port, sasl_port, wrong_port = (free_port() for _ in range(4))
    broker = Settings().model_copy(
        update={"home": tmp_path_factory.mktemp("tls-broker"), "kafka_port": port, "kafka_controller_port": free_port(),
                "kafka_bootstrap": f"127.0.0.1:{port}", "partitions": 2}
    )  # fmt: skip
    listener = kafka_local.TlsListener(ssl_port, sasl_port, pki.keystore, STORE_PASSWORD, {USER: PASSWORD},
                                       {"WRONGNAME": (wrong_port, pki.wrong_name_keystore)})  # fmt: skip
    kafka_local.up(broker, wait_s=180, topics=(), jars_home=kafka_jars_home, tls=listener)
    ssl = broker.model_copy(
        update={"kafka_bootstrap": f"127.0.0.1:{ssl_port}", "kafka_security_protocol": "SSL",
                "kafka_ssl_cafile": pki.ca, "kafka_ssl_check_hostname": True}
    )  # fmt: skip
    sasl_ssl = ssl.model_copy(
        update={"kafka_bootstrap": f"127.0.0.1:{sasl_port}", "kafka_security_protocol": "SASL_SSL",
                "kafka_sasl_mechanism": "SCRAM-SHA-512", "kafka_sasl_username": USER,
                "kafka_sasl_password": SecretStr(PASSWORD)}
    )  # fmt: skip
    try:
        yield TlsBroker(broker, ssl, sasl_ssl, wrong_port, pki)
    finally:
        kafka_local.down(broker)


def cli(settings: Settings, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m streams ...`` with ``settings`` only as WIRESTREAM_* environment variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIRESTREAM_")}
    env.update({"PYTHONPATH": str(REPO), "COLUMNS": "200", **settings.as_env()})
    return subprocess.run([sys.executable, "-m", "streams", *args], capture_output=True, text=True, env=env, cwd=REPO,
                          timeout=timeout, check=False)  # fmt: skip


def _refused(settings: Settings) -> bool:
    try:
        ensure_topics(settings, [], timeout_s=4)
    except Exception:  # noqa: BLE001 - kafka-python reports a failed handshake as a bootstrap timeout
        return True
    return False


def test_tls_needs_the_ca_and_the_right_host_name(tls_broker: TlsBroker) -> None:
    assert not _refused(tls_broker.ssl)  # trusted CA, certificate for 127.0.0.1: accepted, hostname checked
    assert _refused(tls_broker.ssl.model_copy(update={"kafka_ssl_cafile": tls_broker.pki.other_ca}))
    wrong = tls_broker.ssl.model_copy(update={"kafka_bootstrap": f"127.0.0.1:{tls_broker.wrong_name_port}"})
    assert _refused(wrong)  # signed by the trusted CA, but for wrong-host.invalid
    assert not _refused(wrong.model_copy(update={"kafka_ssl_check_hostname": False}))  # so it is the hostname check
    assert _refused(tls_broker.sasl_ssl.model_copy(update={"kafka_sasl_password": SecretStr("not-the-password")}))
    assert _refused(tls_broker.sasl_ssl.model_copy(update={"kafka_sasl_mechanism": "SCRAM-SHA-256"}))  # not enabled
    assert not _refused(tls_broker.sasl_ssl)


@pytest.mark.parametrize("protocol", ["SSL", "SASL_SSL"])
def test_worker_push_and_tail_over_tls(tls_broker: TlsBroker, protocol: str, tmp_path: Path) -> None:
    client = isolated(tls_broker.ssl if protocol == "SSL" else tls_broker.sasl_ssl, f"tls-{protocol.lower()}")
    ensure_topics(client)  # admin over TLS
    env = FaultEnv(client, tmp_path)
    try:
        worker = env.start_worker(client, f"{protocol}-worker")  # TLS settings reach it only as WIRESTREAM_* env
        pushed = cli(client, "push", *(str(REPO / "seeds" / name) for name in SEEDS))
        assert pushed.returncode == 0, pushed.stderr
        assert f"sent {len(SEEDS)} of {len(SEEDS)} files" in pushed.stdout
        tailed = cli(client, "tail", "--max", str(len(SEEDS)), "--timeout", "90", "--json")
        assert tailed.returncode == 0, tailed.stderr + worker.log_tail()
        events = [json.loads(line) for line in tailed.stdout.splitlines() if line.startswith("{")]
        uris = {json.loads((REPO / "seeds" / name).read_text())["uri"] for name in SEEDS}
        assert {e["uri"] for e in events} == uris, worker.log_tail()
        assert all(e["wirestream"]["event"] == "enriched" for e in events)
        if protocol == "SASL_SSL":
            assert PASSWORD not in worker.log_tail(200_000) + pushed.stdout + pushed.stderr + tailed.stderr
    finally:
        env.close()
