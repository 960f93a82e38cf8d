"""A local single-node Apache Kafka 4.x broker (KRaft) run from Maven Central jars: ``wirestream kafka up|down|status``.

Layout under ``Settings.home`` (``WIRESTREAM_HOME``, default ``~/.cache/wirestream``)::

    kafka-<version>/libs/          jars fetched by ``mvn -f deploy/kafka/pom.xml dependency:copy-dependencies``
    broker-<port>/server.properties, log4j2.yaml, kafka.pid, broker.json, stdout.log, logs/server.log, data/

One broker per (home, ``Settings.kafka_port``), so tests and fault scripts can run their own beside the default one.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

from streams.config import Settings
from streams.kafka.admin import ensure_topics, wait_for_broker

CHECKOUT = Path(__file__).resolve().parents[2]
DEPLOY_DIR = CHECKOUT / "deploy" / "kafka"
POM = DEPLOY_DIR / "pom.xml"
SERVER_PROPERTIES_TEMPLATE = DEPLOY_DIR / "server.properties"
LOG4J2_CONFIG = DEPLOY_DIR / "log4j2.yaml"

#: Largest message the local broker accepts: above the worker's own limit, so oversize inputs reach it.
MESSAGE_MAX_BYTES = 16 * 1024 * 1024
STORAGE_TOOL = "kafka.tools.StorageTool"
BROKER_MAIN = "kafka.Kafka"
# Sized for a small shared dev box: C1-only JIT and serial GC start fast and leave the cores to the worker.
JVM_OPTS = (
    "-Xms256m",
    "-Xmx1g",
    "-XX:TieredStopAtLevel=1",
    "-XX:+UseSerialGC",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djava.awt.headless=true",
)
_JARS_COMPLETE = ".complete"


class BrokerError(RuntimeError):
    """The local broker could not be fetched, formatted, started or stopped."""


@dataclass(frozen=True, slots=True)
class BrokerInfo:
    """A running, ready broker."""

    pid: int
    bootstrap: str
    version: str
    home: Path
    log_file: Path
    started: bool  # False when an already running broker was reused
    topics: list[str] = field(default_factory=list)  # every topic ensured at start
    topics_created: list[str] = field(default_factory=list)  # those that did not exist before


@dataclass(frozen=True, slots=True)
class BrokerStatus:
    """What ``status`` found: ``running`` means the pid is alive and the port accepts connections."""

    running: bool
    pid: int | None
    port: int
    version: str | None
    home: Path
    detail: str
    log_file: Path | None = None  # the broker's server.log


@dataclass(frozen=True, slots=True)
class BrokerPaths:
    """Files of one broker (by home and port) and of the jar cache (by home and version)."""

    libs: Path
    root: Path

    @classmethod
    def of(cls, settings: Settings, *, jars_home: Path | None = None) -> BrokerPaths:
        libs = (jars_home or settings.home) / f"kafka-{settings.kafka_version}" / "libs"
        return cls(libs=libs, root=settings.home / f"broker-{settings.kafka_port}")

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def config(self) -> Path:
        return self.root / "server.properties"

    @property
    def pid_file(self) -> Path:
        return self.root / "kafka.pid"

    @property
    def state_file(self) -> Path:
        return self.root / "broker.json"

    @property
    def stdout(self) -> Path:
        return self.root / "stdout.log"

    @property
    def lock(self) -> Path:
        return self.root / ".lock"


@dataclass(frozen=True, slots=True)
class SaslListener:
    """An extra SASL_PLAINTEXT listener (mechanism PLAIN) on ``port``, for testing authenticated clients.

    ``users`` maps user names to passwords (JAAS ``user_<name>="<password>"``). The PLAINTEXT listener stays, so
    ``up``/``down``/``status`` and topic creation keep working unauthenticated on ``Settings.kafka_port``.
    """

    port: int
    users: Mapping[str, str]

    def properties(self, settings: Settings) -> dict[str, str]:
        for name, secret in self.users.items():
            if not re.fullmatch(r"[A-Za-z0-9._-]+", name) or '"' in secret or "\\" in secret:
                raise ValueError(f"unsupported SASL user or password for the JAAS config: {name!r}")
        users = " ".join(f'user_{name}="{secret}"' for name, secret in self.users.items())
        host, port, ctl = "127.0.0.1", settings.kafka_port, settings.kafka_controller_port
        return {
            "listeners": f"PLAINTEXT://{host}:{port},CONTROLLER://{host}:{ctl},SASL_PLAINTEXT://{host}:{self.port}",
            "advertised.listeners": f"PLAINTEXT://{host}:{port},CONTROLLER://{host}:{ctl},SASL_PLAINTEXT://{host}:{self.port}",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT",
            "sasl.enabled.mechanisms": "PLAIN",
            "listener.name.sasl_plaintext.plain.sasl.jaas.config":
                f"org.apache.kafka.common.security.plain.PlainLoginModule required {users};",
        }


@dataclass(frozen=True, slots=True)
class TlsListener:
    """Extra SSL and SASL_SSL (SCRAM-SHA-512) listeners with a PKCS#12 server keystore, for testing TLS clients.

    ``ssl_port`` serves TLS, ``sasl_ssl_port`` TLS plus SCRAM-SHA-512 for ``scram_users`` (name -> password, written
    into the cluster metadata when the storage is formatted: ``kafka-storage format --add-scram``, so only a freshly
    formatted broker gets them). ``alt_listeners`` maps more listener names to (port, keystore with the same password),
    e.g. a certificate for another host name. The PLAINTEXT listener stays for ``up``/``down`` and topic creation.
    """

    ssl_port: int
    sasl_ssl_port: int
    keystore: Path
    keystore_password: str
    scram_users: Mapping[str, str] = field(default_factory=dict)
    alt_listeners: Mapping[str, tuple[int, Path]] = field(default_factory=dict)

    def properties(self, settings: Settings) -> dict[str, str]:
        for text in (self.keystore_password, *self.scram_users, *self.scram_users.values()):
            if not re.fullmatch(r"[A-Za-z0-9._-]+", text):
                raise ValueError("TLS keystore password and SCRAM users/passwords must match [A-Za-z0-9._-]+")
        host, port, ctl = "127.0.0.1", settings.kafka_port, settings.kafka_controller_port
        extra = {"SSL": self.ssl_port, "SASL_SSL": self.sasl_ssl_port, **{n.upper(): p for n, (p, _) in self.alt_listeners.items()}}
        listeners = ",".join([f"PLAINTEXT://{host}:{port}", f"CONTROLLER://{host}:{ctl}", *(f"{n}://{host}:{p}" for n, p in extra.items())])
        protocols = {"CONTROLLER": "PLAINTEXT", "PLAINTEXT": "PLAINTEXT", "SSL": "SSL", "SASL_SSL": "SASL_SSL"}
        props = {
            "listeners": listeners,
            "advertised.listeners": listeners,
            "listener.security.protocol.map": ",".join(f"{n}:{protocols.get(n, 'SSL')}" for n in ["CONTROLLER", "PLAINTEXT", *extra]),
            "ssl.keystore.type": "PKCS12",
            "ssl.keystore.location": str(self.keystore),
            "ssl.keystore.password": self.keystore_password,
            "ssl.key.password": self.keystore_password,
            "ssl.client.auth": "none",
            "sasl.enabled.mechanisms": "SCRAM-SHA-512",
            "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config": "org.apache.kafka.common.security.scram.ScramLoginModule required;",
        }
        for name, (_port, keystore) in self.alt_listeners.items():
            props[f"listener.name.{name.lower()}.ssl.keystore.location"] = str(keystore)
        return props

    def format_args(self) -> list[str]:
        """``kafka-storage format`` arguments that create the SCRAM users."""
        return [arg for name, secret in self.scram_users.items() for arg in ("--add-scram", f"SCRAM-SHA-512=[name={name},password={secret}]")]


def _override(properties: str, values: Mapping[str, str]) -> str:
    """``properties`` with the lines of ``values``' keys replaced (or appended)."""
    kept = [line for line in properties.splitlines() if line.split("=", 1)[0].strip() not in values]
    return "\n".join([*kept, *(f"{key}={value}" for key, value in values.items())]) + "\n"


def render_server_properties(
    settings: Settings,
    data_dir: Path,
    template: str | None = None,
    *,
    sasl: SaslListener | None = None,
    tls: TlsListener | None = None,
) -> str:
    """``deploy/kafka/server.properties`` with ports, data dir and limits filled in from ``settings``.

    ``sasl`` adds an authenticated SASL_PLAINTEXT listener beside the PLAINTEXT one; ``tls`` SSL and SASL_SSL ones.
    """
    if sasl is not None and tls is not None:
        raise ValueError("a SASL_PLAINTEXT and a TLS listener set cannot be combined")
    text = template if template is not None else SERVER_PROPERTIES_TEMPLATE.read_text(encoding="utf-8")
    rendered = _render_template(text, settings, data_dir)
    extra = sasl or tls
    return _override(rendered, extra.properties(settings)) if extra is not None else rendered


def _render_template(text: str, settings: Settings, data_dir: Path) -> str:
    return Template(text).substitute(
        kafka_port=settings.kafka_port,
        controller_port=settings.kafka_controller_port,
        data_dir=str(data_dir),
        partitions=settings.partitions,
        message_max_bytes=max(MESSAGE_MAX_BYTES, settings.max_message_bytes * 2),
    )


def new_cluster_id() -> str:
    """A random cluster id in Kafka's format (16 random bytes, URL-safe base64 without padding)."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode("ascii")


def local_settings(settings: Settings) -> Settings:
    """``settings`` pointed at the local broker's loopback PLAINTEXT listener (the only one it has)."""
    return settings.model_copy(
        update={
            "kafka_bootstrap": f"127.0.0.1:{settings.kafka_port}",
            "kafka_security_protocol": "PLAINTEXT",
            "kafka_sasl_mechanism": None,
        }
    )


def fetch_jars(settings: Settings, *, jars_home: Path | None = None) -> Path:
    """Download the broker's jars with Maven unless the cache already has them; returns the libs dir."""
    libs = BrokerPaths.of(settings, jars_home=jars_home).libs
    if (libs / _JARS_COMPLETE).is_file():
        return libs
    mvn = shutil.which("mvn")
    if mvn is None:
        raise BrokerError("Maven (mvn) is not installed: it fetches the Kafka jars (apt-get install maven)")
    libs.mkdir(parents=True, exist_ok=True)
    cmd = [
        mvn, "-q", "-B", "-Dstyle.color=never", "-f", str(POM), "dependency:copy-dependencies",
        f"-DoutputDirectory={libs}", f"-Dkafka.version={settings.kafka_version}",
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False)
    jars = sorted(p.name for p in libs.glob("*.jar"))
    if done.returncode != 0 or f"kafka_2.13-{settings.kafka_version}.jar" not in jars:
        raise BrokerError(
            f"mvn failed to fetch Kafka {settings.kafka_version} (rc={done.returncode}):\n"
            f"{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )
    (libs / _JARS_COMPLETE).write_text("\n".join(jars) + "\n", encoding="utf-8")
    return libs


def _java() -> str:
    java = shutil.which("java")
    if java is None:
        raise BrokerError("java is not installed: the broker needs Java 17+ (apt-get install openjdk-17-jre-headless)")
    return java


def _java_cmd(paths: BrokerPaths, settings: Settings, main: str, *args: str) -> list[str]:
    # -Dwirestream.home/-Dwirestream.checkout mark our JVMs, so status and .ci/run's fallback cleanup can find them.
    return [
        _java(), *JVM_OPTS,
        f"-Dwirestream.home={settings.home}",
        f"-Dwirestream.checkout={CHECKOUT}",
        f"-Dlog4j2.configurationFile={LOG4J2_CONFIG}",
        f"-Dkafka.logs.dir={paths.logs}",
        "-cp", f"{paths.libs}/*",
        main, *args,
    ]  # fmt: skip


def _format_storage(paths: BrokerPaths, settings: Settings, extra_args: Sequence[str] = ()) -> None:
    """Format the KRaft data dir (single voter, ``--standalone``) unless it already is."""
    if (paths.data / "meta.properties").is_file():
        return
    if paths.data.exists():
        shutil.rmtree(paths.data)  # half-formatted leftovers: start over
    cmd = _java_cmd(paths, settings, STORAGE_TOOL, "format", "--standalone", "-t", new_cluster_id(),
                    "-c", str(paths.config), *extra_args)  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False)
    if done.returncode != 0:
        raise BrokerError(f"formatting {paths.data} failed (rc={done.returncode}): {done.stdout}{done.stderr}")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited child not yet reaped) is not a running broker.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _is_our_broker(pid: int, settings: Settings) -> bool:
    """True if ``pid`` is a kafka.Kafka JVM started from ``settings.home`` (guards against recycled pids)."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return _pid_alive(pid)
    return BROKER_MAIN.encode() in argv and f"-Dwirestream.home={settings.home}".encode() in argv


def _read_pid(paths: BrokerPaths) -> int | None:
    try:
        return int(paths.pid_file.read_text().strip())
    except (OSError, ValueError):
        return None


def _port_open(port: int, host: str = "127.0.0.1", timeout_s: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def _wait_port_closed(port: int, timeout_s: float) -> bool:
    """True once nothing listens on ``port`` (a killed JVM can hold it for a moment while its threads exit)."""
    deadline = time.monotonic() + timeout_s
    while _port_open(port):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def _tail(path: Path, chars: int = 3000) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-chars:]
    except OSError:
        return ""


@contextmanager
def _locked(paths: BrokerPaths) -> Iterator[None]:
    """Serialise up/down of one broker across processes."""
    paths.root.mkdir(parents=True, exist_ok=True)
    with paths.lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _running_pid(paths: BrokerPaths, settings: Settings) -> int | None:
    pid = _read_pid(paths)
    if pid is not None and _pid_alive(pid) and _is_our_broker(pid, settings):
        return pid
    return None


def status(settings: Settings) -> BrokerStatus:
    """State of the broker of ``settings.home`` on ``settings.kafka_port`` (no Kafka request is made)."""
    paths = BrokerPaths.of(settings)
    pid = _running_pid(paths, settings)
    version: str | None = None
    try:
        version = json.loads(paths.state_file.read_text())["version"]
    except (OSError, ValueError, KeyError):
        version = None
    if pid is None:
        stale = _read_pid(paths)
        detail = f"not running (stale pid {stale})" if stale is not None else "not running"
        if _port_open(settings.kafka_port):
            detail += f"; port {settings.kafka_port} is used by another process"
        return BrokerStatus(False, None, settings.kafka_port, version, settings.home, detail, paths.logs / "server.log")
    if not _port_open(settings.kafka_port):
        return BrokerStatus(False, pid, settings.kafka_port, version, settings.home, "process alive, port closed",
                            paths.logs / "server.log")  # fmt: skip
    return BrokerStatus(True, pid, settings.kafka_port, version, settings.home, "running", paths.logs / "server.log")


def _stop_pid(pid: int, timeout_s: float) -> None:
    """SIGTERM the broker's process group, then SIGKILL it after ``timeout_s``."""
    for sig, wait_s in ((signal.SIGTERM, timeout_s), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        except PermissionError:
            os.kill(pid, sig)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            _reap(pid)
            if not _pid_alive(pid):
                return
            time.sleep(0.2)
    raise BrokerError(f"broker pid {pid} survived SIGKILL")


def _reap(pid: int) -> None:
    with suppress(ChildProcessError):  # not our child: init reaps it
        os.waitpid(pid, os.WNOHANG)


def down(settings: Settings, *, timeout_s: float = 30.0) -> int | None:
    """Stop the broker (SIGTERM, then SIGKILL after ``timeout_s``); returns its pid, or None when it was not running."""
    paths = BrokerPaths.of(settings)
    with _locked(paths):
        pid = _running_pid(paths, settings)
        if pid is not None:
            _stop_pid(pid, timeout_s)
        paths.pid_file.unlink(missing_ok=True)
    return pid


def _start(paths: BrokerPaths, settings: Settings) -> int:
    paths.logs.mkdir(parents=True, exist_ok=True)
    with paths.stdout.open("ab") as out:
        proc = subprocess.Popen(
            _java_cmd(paths, settings, BROKER_MAIN, str(paths.config)),
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            cwd=paths.root, start_new_session=True, close_fds=True,
        )  # fmt: skip
    paths.pid_file.write_text(f"{proc.pid}\n")
    paths.state_file.write_text(
        json.dumps(
            {"pid": proc.pid, "port": settings.kafka_port, "version": settings.kafka_version, "libs": str(paths.libs)}
        )
    )
    return proc.pid


def _wait_ready(pid: int, paths: BrokerPaths, settings: Settings, wait_s: float) -> None:
    deadline = time.monotonic() + wait_s
    client = local_settings(settings)
    while True:
        _reap(pid)
        if not _pid_alive(pid):
            raise BrokerError(
                f"broker exited during start-up; end of {paths.stdout}:\n{_tail(paths.stdout)}\n"
                f"end of server.log:\n{_tail(paths.logs / 'server.log')}"
            )
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise BrokerError(f"broker pid {pid} not ready after {wait_s:.0f}s; see {paths.logs / 'server.log'}")
        if _port_open(settings.kafka_port):
            try:
                wait_for_broker(client, timeout=min(remaining, 10.0))
                return
            except TimeoutError:
                continue
        time.sleep(0.3)


def up(
    settings: Settings,
    *,
    wait_s: float = 60,
    topics: Sequence[str] | None = None,
    jars_home: Path | None = None,
    sasl: SaslListener | None = None,
    tls: TlsListener | None = None,
) -> BrokerInfo:
    """Start the local broker if it is not already running and healthy, wait until it is ready, create the topics.

    Jars come from ``jars_home`` (default ``settings.home``) and are fetched with mvn when missing. The storage is
    formatted only once. ``topics`` default to every topic of :class:`streams.topics.Topics`; pass ``()`` for none.
    A stale pid file or an unresponsive broker process is cleaned up and the broker restarted.
    ``sasl`` adds an authenticated SASL_PLAINTEXT listener (applied when the broker is (re)configured here),
    ``tls`` SSL and SASL_SSL listeners (its SCRAM users are created when the storage is formatted).
    """
    paths = BrokerPaths.of(settings, jars_home=jars_home)
    with _locked(paths):
        started = False
        pid = _running_pid(paths, settings)
        if pid is not None:
            try:
                wait_for_broker(local_settings(settings), timeout=min(wait_s, 15.0))
            except TimeoutError:
                _stop_pid(pid, timeout_s=15.0)
                pid = None
        if pid is None:
            paths.pid_file.unlink(missing_ok=True)
            if not _wait_port_closed(settings.kafka_port, timeout_s=10.0):
                raise BrokerError(
                    f"port {settings.kafka_port} is in use by a process that is not this broker "
                    f"(home {settings.home}); stop it or set WIRESTREAM_KAFKA_PORT"
                )
            fetch_jars(settings, jars_home=jars_home)
            paths.config.write_text(render_server_properties(settings, paths.data, sasl=sasl, tls=tls), encoding="utf-8")
            _format_storage(paths, settings, tls.format_args() if tls is not None else ())
            pid = _start(paths, settings)
            started = True
            try:
                _wait_ready(pid, paths, settings, wait_s)
            except BaseException:
                _stop_pid(pid, timeout_s=10.0)
                paths.pid_file.unlink(missing_ok=True)
                raise
    ensured = ensure_topics(local_settings(settings), topics)
    return BrokerInfo(pid, f"127.0.0.1:{settings.kafka_port}", settings.kafka_version, settings.home,
                      paths.logs / "server.log", started, ensured.names, ensured.created)  # fmt: skip
