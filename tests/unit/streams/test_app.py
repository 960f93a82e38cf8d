"""What the Faust app is built from: broker URL and credentials for each security protocol."""

from __future__ import annotations

import ssl

import faust
from pydantic import SecretStr

from streams.app import broker_credentials, broker_url
from streams.config import Settings


def test_broker_url_lists_every_bootstrap_server() -> None:
    assert broker_url(Settings(kafka_bootstrap="a:9092, b:9093")) == "kafka://a:9092;kafka://b:9093"


def test_plaintext_has_no_credentials() -> None:
    assert broker_credentials(Settings()) is None


def test_sasl_plaintext_carries_the_secret_and_no_tls() -> None:
    creds = broker_credentials(Settings(kafka_security_protocol="SASL_PLAINTEXT", kafka_sasl_mechanism="SCRAM-SHA-512",
                                        kafka_sasl_username="u", kafka_sasl_password=SecretStr("p")))  # fmt: skip
    assert isinstance(creds, faust.SASLCredentials)
    assert (creds.username, creds.password, creds.ssl_context) == ("u", "p", None)
    assert creds.mechanism.value == "SCRAM-SHA-512"


def test_ssl_checks_hostnames_unless_told_not_to() -> None:
    creds = broker_credentials(Settings(kafka_security_protocol="SSL"))
    assert isinstance(creds, faust.SSLCredentials)
    assert creds.context.check_hostname and creds.context.verify_mode == ssl.CERT_REQUIRED
    relaxed = broker_credentials(Settings(kafka_security_protocol="SSL", kafka_ssl_check_hostname=False))
    assert isinstance(relaxed, faust.SSLCredentials) and not relaxed.context.check_hostname


def test_sasl_ssl_has_both() -> None:
    creds = broker_credentials(Settings(kafka_security_protocol="SASL_SSL", kafka_sasl_mechanism="PLAIN",
                                        kafka_sasl_username="u", kafka_sasl_password=SecretStr("p")))  # fmt: skip
    assert isinstance(creds, faust.SASLCredentials) and isinstance(creds.ssl_context, ssl.SSLContext)
