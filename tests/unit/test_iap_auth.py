"""Identity-Aware Proxy's signed header: verified against IAP's keys, issuer and the IAP
resource as audience; ignored where IAP_AUDIENCE is not set. IAP's key endpoint is the one
thing faked (it has no emulator): a key pair made here stands for it."""

from __future__ import annotations

import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from google.auth import jwt
from google.auth.crypt import es256

from shared.auth import tokens
from shared.auth.authenticator import IAP_ASSERTION_HEADER, Authenticator
from shared.auth.credentials import CredentialsSource, file_fetcher
from shared.auth.tokens import GoogleIdTokenVerifier, iap_assertion_verifier
from shared.bootstrap.http import authenticator as build_authenticator
from shared.config import Settings
from shared.errors import ConfigurationError, Forbidden, Unauthenticated
from tests.support import write_credentials

IAP_AUDIENCE = "/projects/123456789/locations/europe-west1/services/admin"
PERSON = "".join(["ada", "@", "example.com"])


def _es256_key(kid: str) -> tuple[es256.ES256Signer, str]:
    private = ec.generate_private_key(ec.SECP256R1())
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return es256.ES256Signer.from_string(private_pem, key_id=kid), public_pem.decode()


@pytest.fixture(scope="module")
def iap_key():
    return _es256_key("iap-1")


def assertion(signer, **overrides) -> str:
    now = int(time.time())
    claims = {
        "iss": "https://cloud.google.com/iap",
        "aud": IAP_AUDIENCE,
        "sub": "accounts.google.com:1234",
        "email": PERSON,
        "iat": now,
        "exp": now + 600,
        **overrides,
    }
    return jwt.encode(signer, claims).decode()


@pytest.fixture
def credentials(tmp_path):
    path = tmp_path / "credentials.json"
    keys = write_credentials(path, identities={PERSON: ["publisher"]})
    return path, keys


def _authenticator(path, iap_key, *, audience=IAP_AUDIENCE) -> Authenticator:
    return Authenticator(
        credentials=CredentialsSource(file_fetcher(path), ttl=60),
        verifier=GoogleIdTokenVerifier(None),
        iap=iap_assertion_verifier(audience, fetch_certs=lambda: {"iap-1": iap_key[1]}),
    )


def test_a_valid_iap_assertion_is_the_signed_in_person_with_their_roles(credentials, iap_key):
    auth = _authenticator(credentials[0], iap_key)
    principal = auth.authenticate({IAP_ASSERTION_HEADER: assertion(iap_key[0])})
    assert (principal.id, principal.kind, principal.roles) == (PERSON, "iap", {"publisher"})


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"aud": "/projects/999/global/backendServices/1"}, "audience"),
        ({"iss": "https://accounts.google.com"}, "not issued by IAP"),
        ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, "expired"),
        ({"email": None}, "no verified email claim"),
    ],
)
def test_bad_iap_assertions_are_401_with_the_reason(credentials, iap_key, overrides, reason):
    auth = _authenticator(credentials[0], iap_key)
    with pytest.raises(Unauthenticated, match=reason):
        auth.authenticate({IAP_ASSERTION_HEADER: assertion(iap_key[0], **overrides)})


def test_an_assertion_signed_by_another_key_is_401(credentials, iap_key):
    forger, _public = _es256_key("iap-1")  # same kid, another key
    auth = _authenticator(credentials[0], iap_key)
    with pytest.raises(Unauthenticated, match="invalid IAP assertion"):
        auth.authenticate({IAP_ASSERTION_HEADER: assertion(forger)})


def test_a_person_without_a_role_is_403(credentials, iap_key):
    auth = _authenticator(credentials[0], iap_key)
    stranger = "".join(["eve", "@", "example.com"])
    with pytest.raises(Forbidden, match="has no role here"):
        auth.authenticate({IAP_ASSERTION_HEADER: assertion(iap_key[0], email=stranger)})


def test_an_api_key_sent_with_the_assertion_takes_precedence(credentials, iap_key):
    path, keys = credentials
    auth = _authenticator(path, iap_key)
    principal = auth.authenticate(
        {IAP_ASSERTION_HEADER: assertion(iap_key[0]), "X-API-Key": keys["viewer"]}
    )
    assert (principal.kind, principal.roles) == ("api_key", {"viewer"})


def test_without_iap_audience_the_header_proves_nothing(credentials, iap_key, monkeypatch):
    fetched = []
    monkeypatch.setattr(tokens, "fetch_iap_certs", lambda: fetched.append(1) or {})
    settings = Settings.from_env({"ENVIRONMENT": "test", "AUTH_CONFIG_FILE": str(credentials[0])})
    auth = build_authenticator(settings)
    with pytest.raises(Unauthenticated, match="send an API key"):
        auth.authenticate({IAP_ASSERTION_HEADER: assertion(iap_key[0])})
    assert fetched == []


def test_iap_audience_wires_the_verifier_with_iaps_keys(credentials, iap_key, monkeypatch):
    monkeypatch.setattr(tokens, "fetch_iap_certs", lambda: {"iap-1": iap_key[1]})
    settings = Settings.from_env(
        {
            "ENVIRONMENT": "test",
            "AUTH_CONFIG_FILE": str(credentials[0]),
            "IAP_AUDIENCE": IAP_AUDIENCE,
        }
    )
    principal = build_authenticator(settings).authenticate(
        {IAP_ASSERTION_HEADER: assertion(iap_key[0])}
    )
    assert principal.id == PERSON


@pytest.mark.parametrize("value", ["", "admin", "https://admin.example.com"])
def test_an_iap_audience_that_is_no_iap_resource_is_refused_at_start(value):
    with pytest.raises(ConfigurationError, match="IAP_AUDIENCE"):
        Settings.from_env({"ENVIRONMENT": "test", "IAP_AUDIENCE": value})
