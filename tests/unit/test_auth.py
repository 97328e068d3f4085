"""Authentication: API keys, Google ID tokens (real RS256 JWTs signed with a throwaway key),
roles, and the credentials document's caching. Secret Manager and Google's certificate
endpoint have no emulator: they are mocked at the client boundary, nothing else is."""

from __future__ import annotations

import json
import time
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import crypt, jwt

from shared.auth.authenticator import Authenticator
from shared.auth.credentials import CredentialsSource, file_fetcher, new_api_key, parse_document
from shared.auth.tokens import GoogleIdTokenVerifier
from shared.bootstrap.http import authenticator as wired_authenticator
from shared.config import Settings
from shared.errors import Forbidden, ServiceUnavailable, Unauthenticated
from tests.support import ROLES, FakeClock, write_credentials

AUDIENCE = "https://resolve-abc-uc.a.run.app"


@pytest.fixture(scope="module")
def signing_key():
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return crypt.RSASigner.from_string(private_pem, key_id="kid-1"), public_pem.decode()


def _token(signer, **overrides) -> str:
    now = int(time.time())
    claims = {
        "iss": "https://accounts.google.com",
        "aud": AUDIENCE,
        "sub": "1234",
        "email": "deployer@proj.iam.gserviceaccount.com",
        "email_verified": True,
        "iat": now,
        "exp": now + 600,
        **overrides,
    }
    return jwt.encode(signer, claims).decode()


@pytest.fixture
def authenticator(tmp_path, signing_key):
    path = tmp_path / "credentials.json"
    keys = write_credentials(
        path, identities={"deployer@proj.iam.gserviceaccount.com": ["publisher"]}
    )
    fetches = []

    def fetch_certs():
        fetches.append(1)
        return {"kid-1": signing_key[1]}

    auth = Authenticator(
        credentials=CredentialsSource(file_fetcher(path), ttl=60),
        verifier=GoogleIdTokenVerifier(AUDIENCE, fetch_certs=fetch_certs),
    )
    return auth, keys, fetches


@pytest.mark.parametrize("role", ROLES)
def test_each_api_key_authenticates_with_its_role(authenticator, role):
    auth, keys, _ = authenticator
    principal = auth.authenticate({"X-API-Key": keys[role]})
    assert principal.id == f"key:test-{role}"
    assert principal.roles == frozenset({role})


@pytest.mark.parametrize(
    ("role", "minimum", "allowed"),
    [
        ("service", "service", True),
        ("service", "viewer", False),
        ("viewer", "editor", False),
        ("editor", "editor", True),
        ("publisher", "editor", True),
        ("publisher", "admin", False),
        ("admin", "publisher", True),
    ],
)
def test_roles_are_ranked(authenticator, role, minimum, allowed):
    auth, keys, _ = authenticator
    if allowed:
        assert auth.require({"X-API-Key": keys[role]}, minimum).roles == {role}
    else:
        with pytest.raises(Forbidden, match=f"needs role '{minimum}'"):
            auth.require({"X-API-Key": keys[role]}, minimum)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-API-Key": "pmk_test-admin.wrong"},
        {"X-API-Key": "not-a-key"},
        {"Authorization": "Basic dXNlcg=="},
        {"Authorization": "Bearer"},
        {"X-API-Key": ""},
    ],
)
def test_missing_or_wrong_credentials_are_401(authenticator, headers):
    auth, _, _ = authenticator
    with pytest.raises(Unauthenticated):
        auth.authenticate(headers)


def test_a_valid_google_id_token_maps_to_the_identitys_roles_and_certs_are_cached(
    authenticator, signing_key
):
    auth, _, fetches = authenticator
    for _ in range(5):
        principal = auth.authenticate({"Authorization": f"Bearer {_token(signing_key[0])}"})
    assert (principal.id, principal.kind, principal.roles) == (
        "deployer@proj.iam.gserviceaccount.com",
        "google",
        frozenset({"publisher"}),
    )
    assert fetches == [1]


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, "expired"),
        ({"aud": "https://someone-else.a.run.app"}, "audience"),
        ({"iss": "https://evil.example.com"}, "not issued by Google"),
        ({"email_verified": False}, "no verified email"),
    ],
)
def test_bad_id_tokens_are_401_with_the_reason(authenticator, signing_key, overrides, reason):
    auth, _, _ = authenticator
    with pytest.raises(Unauthenticated, match=reason):
        auth.authenticate({"Authorization": f"Bearer {_token(signing_key[0], **overrides)}"})


def test_a_token_signed_by_another_key_is_rejected(authenticator):
    auth, _, _ = authenticator
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = other.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    forged = _token(crypt.RSASigner.from_string(pem, key_id="kid-1"))
    with pytest.raises(Unauthenticated, match="signature"):
        auth.authenticate({"Authorization": f"Bearer {forged}"})
    with pytest.raises(Unauthenticated):
        auth.authenticate({"Authorization": "Bearer not.a.jwt"})


def test_an_identity_without_a_role_is_403(authenticator, signing_key):
    auth, _, _ = authenticator
    token = _token(signing_key[0], email="stranger@example.com")
    with pytest.raises(Forbidden, match=r"stranger@example\.com"):
        auth.authenticate({"Authorization": f"Bearer {token}"})


def test_nothing_is_open_without_configured_credentials():
    auth = wired_authenticator(Settings.from_env({}))
    key, _ = new_api_key("anyone")
    with pytest.raises(Unauthenticated, match="no credentials are configured"):
        auth.authenticate({"X-API-Key": key})


def test_key_rotation_takes_effect_after_the_ttl_and_a_failed_refresh_keeps_the_last_copy(tmp_path):
    path = tmp_path / "c.json"
    old_key, old_hash = new_api_key("ci")
    path.write_text(
        json.dumps({"api_keys": [{"id": "ci", "sha256": old_hash, "roles": ["editor"]}]})
    )
    clock = FakeClock()
    source = CredentialsSource(file_fetcher(path), ttl=60, clock=clock)
    assert source.document().key_entry(old_key) is not None

    new_key, new_hash = new_api_key("ci")
    path.write_text(
        json.dumps({"api_keys": [{"id": "ci", "sha256": new_hash, "roles": ["editor"]}]})
    )
    assert source.document().key_entry(new_key) is None  # cached until the TTL passes
    clock.advance(61)
    assert source.document().key_entry(new_key) is not None
    assert source.document().key_entry(old_key) is None  # rotated out

    path.write_text("{broken")
    clock.advance(61)
    assert source.document().key_entry(new_key) is not None  # last good copy keeps serving


def test_secret_manager_is_read_once_per_ttl(mocker, tmp_path):
    key, digest = new_api_key("ci")
    payload = json.dumps(
        {"api_keys": [{"id": "ci", "sha256": digest, "roles": ["viewer"]}]}
    ).encode()
    access = mocker.patch(
        "google.cloud.secretmanager.SecretManagerServiceClient.access_secret_version",
        return_value=SimpleNamespace(payload=SimpleNamespace(data=payload)),
    )
    mocker.patch(
        "google.cloud.secretmanager.SecretManagerServiceClient.__init__", return_value=None
    )
    secret = "projects/p/secrets/prompt-auth/versions/latest"
    auth = wired_authenticator(Settings.from_env({"AUTH_CONFIG_SECRET": secret}))
    for _ in range(3):
        assert auth.require({"X-API-Key": key}, "viewer").id == "key:ci"
    access.assert_called_once()
    assert access.call_args.kwargs["name"] == secret


def test_an_invalid_credentials_document_is_a_503_not_an_open_door():
    with pytest.raises(ServiceUnavailable, match="invalid"):
        parse_document(
            b'{"api_keys": [{"id": "x", "sha256": "short", "roles": ["root"]}]}', where="file"
        )


def test_default_cert_fetch_goes_to_google_once(mocker, signing_key):
    response = SimpleNamespace(status=200, data=json.dumps({"kid-1": signing_key[1]}).encode())
    call = mocker.patch("google.auth.transport.requests.Request.__call__", return_value=response)
    verifier = GoogleIdTokenVerifier(AUDIENCE)
    assert verifier.verify(_token(signing_key[0])) == "deployer@proj.iam.gserviceaccount.com"
    assert verifier.verify(_token(signing_key[0])) == "deployer@proj.iam.gserviceaccount.com"
    call.assert_called_once()
    assert call.call_args.kwargs["url"] == "https://www.googleapis.com/oauth2/v1/certs"


@pytest.fixture(scope="module")
def forged(signing_key) -> str:
    """A well-formed token whose `kid` Google never published."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return _token(crypt.RSASigner.from_string(pem, key_id="made-up-kid"))


def test_unknown_kids_refetch_the_certs_at_most_once_per_interval(mocker, signing_key, forged):
    response = SimpleNamespace(status=200, data=json.dumps({"kid-1": signing_key[1]}).encode())
    fetch = mocker.patch("google.auth.transport.requests.Request.__call__", return_value=response)
    clock = FakeClock()
    verifier = GoogleIdTokenVerifier(AUDIENCE, clock=clock)
    assert verifier.verify(_token(signing_key[0])) == "deployer@proj.iam.gserviceaccount.com"
    with pytest.raises(Unauthenticated):
        verifier.verify(forged)  # the certificates were fetched just now: no refetch
    assert fetch.call_count == 1

    clock.advance(60)
    for _ in range(20):
        with pytest.raises(Unauthenticated):
            verifier.verify(forged)
    assert fetch.call_count == 2  # one refetch for the unknown kid, not twenty
    assert verifier.verify(_token(signing_key[0])) == "deployer@proj.iam.gserviceaccount.com"
    assert fetch.call_count == 2

    clock.advance(31)  # past the refetch interval: a rotation is looked for again, once
    for _ in range(5):
        with pytest.raises(Unauthenticated):
            verifier.verify(forged)
    assert fetch.call_count == 3


def test_concurrent_unknown_kids_share_one_refetch(signing_key, forged):
    import threading

    fetches = []
    release = threading.Event()

    def slow_fetch():
        fetches.append(1)
        if len(fetches) > 1:
            release.wait(5)  # hold the refetch so the other callers pile up behind it
        return {"kid-1": signing_key[1]}

    clock = FakeClock()
    verifier = GoogleIdTokenVerifier(AUDIENCE, fetch_certs=slow_fetch, clock=clock)
    verifier.verify(_token(signing_key[0]))  # certificates cached
    clock.advance(60)
    outcomes: list[str] = []

    def call() -> None:
        try:
            verifier.verify(forged)
        except Unauthenticated:
            outcomes.append("401")

    threads = [threading.Thread(target=call) for _ in range(20)]
    for thread in threads:
        thread.start()
    release.set()
    for thread in threads:
        thread.join(10)
    assert outcomes == ["401"] * 20
    assert len(fetches) == 2


def test_a_failed_refetch_keeps_the_cached_certs(signing_key, forged):
    calls = []

    def flaky_fetch():
        calls.append(1)
        if len(calls) > 1:
            raise ServiceUnavailable("could not fetch Google's certificates (HTTP 503)")
        return {"kid-1": signing_key[1]}

    clock = FakeClock()
    verifier = GoogleIdTokenVerifier(AUDIENCE, fetch_certs=flaky_fetch, clock=clock)
    verifier.verify(_token(signing_key[0]))
    clock.advance(60)
    with pytest.raises(Unauthenticated):
        verifier.verify(forged)
    assert verifier.verify(_token(signing_key[0])) == "deployer@proj.iam.gserviceaccount.com"
    assert len(calls) == 2
