"""Typed settings, read once from the environment.

Every environment variable the code reads is declared here (the field alias is the variable
name), so the README, `infra/` and tests can be checked against one list. We validate with
pydantic directly instead of pydantic-settings: the latter adds ~160 ms to cold start and we
only need "env var -> typed field", which `model_validate` over the environment already does.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from shared.errors import ConfigurationError
from shared.validation import summarize


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    environment: Literal["development", "test", "production"] = Field(
        "development", alias="ENVIRONMENT"
    )
    project_id: str = Field("demo-prompt-management", alias="GOOGLE_CLOUD_PROJECT", min_length=1)
    firestore_database: str = Field("(default)", alias="FIRESTORE_DATABASE", min_length=1)
    firestore_emulator_host: str | None = Field(None, alias="FIRESTORE_EMULATOR_HOST")
    prompts_collection: str = Field("prompts", alias="PROMPTS_COLLECTION", min_length=1)
    guardrails_collection: str = Field("guardrails", alias="GUARDRAILS_COLLECTION", min_length=1)
    migrations_collection: str = Field("_migrations", alias="MIGRATIONS_COLLECTION", min_length=1)
    meta_collection: str = Field("_meta", alias="META_COLLECTION", min_length=1)
    audit_collection: str = Field("audit_log", alias="AUDIT_COLLECTION", min_length=1)

    # Migrations: the lease a run holds while applying, and where local backups go.
    migration_lease_seconds: float = Field(60.0, alias="MIGRATION_LEASE_SECONDS", gt=0)
    migration_backup_dir: str = Field(".local/backups", alias="MIGRATION_BACKUP_DIR", min_length=1)

    # Resolution cache: fresh for the TTL; after that one request refreshes inline while the
    # others keep serving the stale copy; on a store error the stale copy is served for up to
    # `template_stale_if_error_seconds` (the bundled defaults are never newer than it).
    template_cache_ttl_seconds: float = Field(60.0, alias="TEMPLATE_CACHE_TTL_SECONDS", ge=0)
    template_stale_if_error_seconds: float = Field(
        7 * 24 * 3600.0, alias="TEMPLATE_STALE_IF_ERROR_SECONDS", ge=0
    )
    # Active guardrails: re-read from Firestore at most this often; the last good copy is
    # served on errors (the bundled defaults only before the first successful read).
    guardrail_cache_ttl_seconds: float = Field(60.0, alias="GUARDRAILS_CACHE_TTL_SECONDS", ge=0)
    template_cache_max_entries: int = Field(2048, alias="TEMPLATE_CACHE_MAX_ENTRIES", ge=16)
    # Change poll: a serving instance asks the audit log, at most this often and off the
    # request path, which changes committed since it last asked, and re-reads what they
    # name (templates, guardrails, experiments) before their TTL runs out. 0 turns it off.
    change_poll_seconds: float = Field(5.0, alias="CHANGE_POLL_SECONDS", ge=0, le=3600)

    # Firestore on the hot path: a short deadline per read when a stale copy can be served
    # instead, a longer one when the alternative is a degraded (env/default) answer, e.g. on
    # cold start. The cold deadline is also the whole request's budget: every read of one
    # resolution (experiments, head, version, guardrails) shares it.
    firestore_deadline_seconds: float = Field(0.3, alias="FIRESTORE_DEADLINE_SECONDS", gt=0, le=10)
    firestore_cold_deadline_seconds: float = Field(
        0.8, alias="FIRESTORE_COLD_DEADLINE_SECONDS", gt=0, le=30
    )
    # The admin API: every request's Firestore calls together (reads, and each write's
    # transaction with all its attempts) get at most this long; past it the answer is a 503
    # (Firestore not answering) or a 409 `write-contention` (concurrent writes), both with
    # Retry-After, never a hang. Attempts per write transaction are bounded too.
    admin_deadline_seconds: float = Field(5.0, alias="ADMIN_DEADLINE_SECONDS", gt=0, le=60)
    admin_write_attempts: int = Field(5, alias="ADMIN_WRITE_ATTEMPTS", ge=1, le=20)
    breaker_failure_threshold: int = Field(3, alias="FIRESTORE_BREAKER_FAILURES", ge=1)
    breaker_cooldown_seconds: float = Field(5.0, alias="FIRESTORE_BREAKER_COOLDOWN_SECONDS", ge=0)

    custom_templates_json: str | None = Field(None, alias="CUSTOM_TEMPLATES_JSON")
    # Set: `shared.templates.compat.get_template()` resolves through this resolve function
    # (the `prompt_client` distribution, configured by its own PROMPTS_* variables) instead
    # of reading Firestore.
    prompts_url: str | None = Field(None, alias="PROMPTS_URL", pattern=r"^https?://\S+$")

    # Authentication: where the credentials document lives (Secret Manager in GCP, a file
    # locally), how long it is cached, and the audience ID tokens must be issued for.
    auth_config_secret: str | None = Field(
        None, alias="AUTH_CONFIG_SECRET", pattern=r"^projects/[^/]+/secrets/[^/]+/versions/[^/]+$"
    )
    auth_config_file: str | None = Field(None, alias="AUTH_CONFIG_FILE", min_length=1)
    auth_config_ttl_seconds: float = Field(60.0, alias="AUTH_CONFIG_TTL_SECONDS", ge=0)
    auth_audience: str | None = Field(None, alias="AUTH_AUDIENCE", min_length=1)
    # The IAP resource a function behind Identity-Aware Proxy checks IAP's signed header
    # against (`/projects/NUMBER/...`); unset: the header is ignored.
    iap_audience: str | None = Field(
        None, alias="IAP_AUDIENCE", min_length=1, pattern=r"^/projects/[0-9]+/\S+$"
    )

    # The audit pipeline (shared/executions, shared/analytics).
    pubsub_emulator_host: str | None = Field(None, alias="PUBSUB_EMULATOR_HOST")
    executions_topic: str = Field("prompt-executions", alias="EXECUTIONS_TOPIC", min_length=1)
    analytics_tick_topic: str = Field("analytics-tick", alias="ANALYTICS_TICK_TOPIC", min_length=1)
    execution_retention_days: int = Field(90, alias="EXECUTION_RETENTION_DAYS", ge=1, le=3650)
    execution_body_policy: Literal["redact", "hash", "drop"] = Field(
        "redact", alias="EXECUTION_BODY_POLICY"
    )
    # Firestore documents are at most 1 MiB: each stored body is cut at this many bytes
    # (after redaction, so nothing unredacted is ever stored); its sha256 covers all of it.
    execution_body_max_bytes: int = Field(
        256 * 1024, alias="EXECUTION_BODY_MAX_BYTES", ge=1024, le=400 * 1024
    )
    execution_publish_timeout_seconds: float = Field(
        2.0, alias="EXECUTION_PUBLISH_TIMEOUT_SECONDS", gt=0, le=30
    )
    # Keyed hash of user ids (HMAC-SHA256): the key from Secret Manager in GCP, or given
    # directly for local use. `PSEUDONYMIZATION_KEY_ID` names the key so it can be rotated.
    pseudonymization_key: str | None = Field(
        None, alias="PSEUDONYMIZATION_KEY", min_length=16, repr=False
    )
    pseudonymization_key_secret: str | None = Field(
        None,
        alias="PSEUDONYMIZATION_KEY_SECRET",
        pattern=r"^projects/[^/]+/secrets/[^/]+/versions/[^/]+$",
    )
    pseudonymization_key_id: str = Field(
        "k1", alias="PSEUDONYMIZATION_KEY_ID", pattern=r"^[a-z0-9]{1,16}$"
    )
    # Rollups recompute every hour that received executions since the last run, plus this
    # many recent hours; a late execution is therefore counted by the next run.
    rollup_lookback_hours: int = Field(2, alias="ROLLUP_LOOKBACK_HOURS", ge=0, le=168)
    rollup_watermark_overlap_seconds: float = Field(
        600.0, alias="ROLLUP_WATERMARK_OVERLAP_SECONDS", ge=0
    )

    # Change events: every committed admin change leaves an outbox document in its own
    # transaction; a drain (right after the commit, and on every CHANGES_TICK_TOPIC tick)
    # publishes it to CHANGES_TOPIC and then removes it.
    changes_topic: str = Field("prompt-changes", alias="CHANGES_TOPIC", min_length=1)
    changes_tick_topic: str = Field("prompt-changes-tick", alias="CHANGES_TICK_TOPIC", min_length=1)
    outbox_collection: str = Field("change_outbox", alias="OUTBOX_COLLECTION", min_length=1)
    changes_publish_timeout_seconds: float = Field(
        2.0, alias="CHANGES_PUBLISH_TIMEOUT_SECONDS", gt=0, le=30
    )
    # A drainer claims an outbox document for this long before publishing it, so two
    # drainers rarely publish the same event (a crashed one's claim simply runs out).
    outbox_claim_seconds: float = Field(30.0, alias="OUTBOX_CLAIM_SECONDS", gt=0, le=600)
    # Webhooks: one delivery task per (event, subscription) on WEBHOOK_DELIVERIES_TOPIC,
    # retried by Pub/Sub with exponential backoff; after WEBHOOK_MAX_ATTEMPTS failed
    # attempts the delivery is dead-lettered (WEBHOOK_DEAD_LETTER_TOPIC).
    webhooks_collection: str = Field("webhooks", alias="WEBHOOKS_COLLECTION", min_length=1)
    webhook_deliveries_topic: str = Field(
        "webhook-deliveries", alias="WEBHOOK_DELIVERIES_TOPIC", min_length=1
    )
    webhook_dead_letter_topic: str = Field(
        "webhook-deliveries-dead-letter", alias="WEBHOOK_DEAD_LETTER_TOPIC", min_length=1
    )
    webhook_max_attempts: int = Field(5, alias="WEBHOOK_MAX_ATTEMPTS", ge=1, le=50)
    webhook_timeout_seconds: float = Field(5.0, alias="WEBHOOK_TIMEOUT_SECONDS", gt=0, le=30)
    webhook_max_body_bytes: int = Field(
        256 * 1024, alias="WEBHOOK_MAX_BODY_BYTES", ge=1024, le=1024 * 1024
    )
    # Outside production, receivers on loopback/private addresses over http are allowed
    # (local development); production always refuses them and requires https.
    # Unset: allowed outside production only.
    webhook_allow_private_targets: bool | None = Field(None, alias="WEBHOOK_ALLOW_PRIVATE_TARGETS")

    http_max_age_seconds: int = Field(10, alias="HTTP_MAX_AGE_SECONDS", ge=0)
    max_request_bytes: int = Field(1024 * 1024, alias="MAX_REQUEST_BYTES", ge=1024)
    # A render answer is bounded too: a small template repeating a large variable would
    # otherwise answer tens of megabytes (the size is computed before the text is built).
    max_rendered_bytes: int = Field(1024 * 1024, alias="MAX_RENDERED_BYTES", ge=1024)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", alias="LOG_LEVEL")
    # The share of plain cache hits (fresh copy, nothing degraded) that log their INFO line,
    # spread evenly, the first always: Cloud Run's request log already has a line for every
    # request. Degraded answers, Firestore reads, errors and writes always log theirs.
    log_cache_hits_sample: float = Field(0.01, alias="LOG_CACHE_HITS_SAMPLE", ge=0, le=1)
    # Plain cache-hit GETs answered, and renders dispatched, beneath Flask
    # (shared/http/fast_path.py); off sends every request through the framework, as before,
    # with the same answers.
    resolve_fast_path: bool = Field(True, alias="RESOLVE_FAST_PATH")

    @model_validator(mode="after")
    def _refuse_unsafe_production_values(self) -> Settings:
        if self.environment == "production":
            if self.project_id.startswith("demo-"):
                raise ValueError("GOOGLE_CLOUD_PROJECT must name a real project in production")
            if self.firestore_emulator_host:
                raise ValueError("FIRESTORE_EMULATOR_HOST must not be set in production")
            if not self.auth_config_secret:
                raise ValueError("AUTH_CONFIG_SECRET is required in production")
            if self.pseudonymization_key and not self.pseudonymization_key_secret:
                raise ValueError(
                    "use PSEUDONYMIZATION_KEY_SECRET, not PSEUDONYMIZATION_KEY, in production"
                )
            if self.webhook_allow_private_targets:
                raise ValueError("WEBHOOK_ALLOW_PRIVATE_TARGETS must not be true in production")
        if self.firestore_cold_deadline_seconds < self.firestore_deadline_seconds:
            raise ValueError(
                "FIRESTORE_COLD_DEADLINE_SECONDS must be >= FIRESTORE_DEADLINE_SECONDS"
            )
        return self

    @property
    def webhooks_reach_private_networks(self) -> bool:
        """Whether webhook receivers may be on loopback/private addresses over http."""
        if self.webhook_allow_private_targets is None:
            return self.environment != "production"
        return self.webhook_allow_private_targets

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        aliases = {field.alias for field in cls.model_fields.values() if field.alias}
        try:
            return cls.model_validate({key: env[key] for key in aliases if key in env})
        except ValidationError as exc:
            raise ConfigurationError(
                f"invalid configuration: {summarize(exc, prefix='settings')}"
            ) from exc


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests build their own with `Settings.from_env({...})`."""
    return Settings.from_env()
