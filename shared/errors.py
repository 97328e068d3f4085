"""One error hierarchy for the whole system.

Every error a caller can cause or observe is an `AppError` subclass that knows its HTTP status
and problem type; `shared.http.problems` turns it into RFC 9457 problem details in one place.
Messages name the field and the reason, never internals, and never echo user-supplied text
that could carry PII (names of templates and labels are validated identifiers, so they may).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

PROBLEM_TYPE_BASE = "urn:prompt-management:problem:"


@dataclass(frozen=True)
class FieldError:
    """One invalid input: where it is (`body.variables.topic`, `query.version`) and why."""

    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class AppError(Exception):
    status: ClassVar[int] = 500
    slug: ClassVar[str] = "internal"
    title: ClassVar[str] = "Internal error"
    # Seconds after which retrying the same request may succeed (the `Retry-After` header);
    # None when retrying unchanged cannot help.
    retry_after: ClassVar[int | None] = None

    def __init__(
        self,
        detail: str,
        *,
        errors: list[FieldError] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.extra = extra or {}

    @property
    def type_uri(self) -> str:
        return PROBLEM_TYPE_BASE + self.slug


class ConfigurationError(AppError):
    """The deployment is misconfigured (bad env var). Raised at start-up, not per request."""

    slug = "configuration"
    title = "Invalid configuration"


class BadRequest(AppError):
    status = 400
    slug = "bad-request"
    title = "Bad request"


class Unauthenticated(AppError):
    status = 401
    slug = "unauthenticated"
    title = "Authentication required"


class Forbidden(AppError):
    status = 403
    slug = "forbidden"
    title = "Not allowed"


class NotFound(AppError):
    status = 404
    slug = "not-found"
    title = "Not found"


class TemplateNotFound(NotFound):
    slug = "template-not-found"
    title = "Template not found"

    def __init__(self, name: str) -> None:
        super().__init__(
            f"template '{name}' does not exist in Firestore, CUSTOM_TEMPLATES_JSON or the "
            "bundled defaults",
            extra={"template": name},
        )


class TemplateDeleted(TemplateNotFound):
    """A soft-deleted template: 404 on every selector until an admin restores it. Same problem
    type as an unknown template, so clients need one branch; the detail says which it is."""

    def __init__(self, name: str) -> None:
        NotFound.__init__(
            self,
            f"template '{name}' is deleted; an admin can restore it",
            extra={"template": name, "deleted": True},
        )


class LabelNotFound(NotFound):
    slug = "label-not-found"
    title = "Label not found"

    def __init__(self, name: str, label: str) -> None:
        super().__init__(
            f"template '{name}' has no version labelled '{label}'",
            extra={"template": name, "label": label},
        )


class VersionNotFound(NotFound):
    slug = "version-not-found"
    title = "Version not found"

    def __init__(self, name: str, version: int) -> None:
        super().__init__(
            f"template '{name}' has no version {version}",
            extra={"template": name, "version": version},
        )


class GuardrailNotFound(NotFound):
    slug = "guardrail-not-found"
    title = "Guardrail not found"

    def __init__(self, name: str) -> None:
        super().__init__(f"guardrail '{name}' does not exist", extra={"guardrail": name})


class ExperimentNotFound(NotFound):
    slug = "experiment-not-found"
    title = "Experiment not found"

    def __init__(self, experiment_id: str) -> None:
        super().__init__(
            f"experiment '{experiment_id}' does not exist", extra={"experiment": experiment_id}
        )


class WebhookNotFound(NotFound):
    slug = "webhook-not-found"
    title = "Webhook not found"

    def __init__(self, webhook_id: str) -> None:
        super().__init__(f"webhook '{webhook_id}' does not exist", extra={"webhook": webhook_id})


class DeliveryNotFound(NotFound):
    slug = "delivery-not-found"
    title = "Delivery not found"

    def __init__(self, delivery_id: str) -> None:
        super().__init__(
            f"delivery '{delivery_id}' does not exist", extra={"delivery": delivery_id}
        )


class MethodNotAllowed(AppError):
    status = 405
    slug = "method-not-allowed"
    title = "Method not allowed"


class Conflict(AppError):
    status = 409
    slug = "conflict"
    title = "Conflict"


class WriteContention(Conflict):
    """Concurrent writes to the same document used up this write's attempts or time. Nothing
    was written (a transaction is all or nothing); the same request may succeed on retry."""

    slug = "write-contention"
    title = "Too many concurrent writes"
    retry_after = 1


class PreconditionFailed(AppError):
    status = 412
    slug = "precondition-failed"
    title = "Precondition failed"


class PayloadTooLarge(AppError):
    status = 413
    slug = "payload-too-large"
    title = "Payload too large"


class GuardrailInputTooLarge(PayloadTooLarge):
    """A text above the guardrails' scan bound: refused, never truncated and passed."""

    slug = "guardrail-input-too-large"
    title = "Input too large for the guardrails"

    def __init__(self, where: str, limit: int) -> None:
        super().__init__(
            f"{where} is larger than the {limit} bytes the guardrails scan",
            extra={"where": where, "limit_bytes": limit},
        )


class UnsupportedMediaType(AppError):
    status = 415
    slug = "unsupported-media-type"
    title = "Unsupported media type"


class ValidationFailed(AppError):
    status = 422
    slug = "validation-failed"
    title = "Validation failed"


class RenderError(ValidationFailed):
    """Variables do not fit the template (missing ones, wrong types)."""

    slug = "render-failed"
    title = "Template could not be rendered"


class RenderedTooLarge(RenderError):
    """The rendered prompt would exceed MAX_RENDERED_BYTES (checked before it is built)."""

    slug = "rendered-too-large"
    title = "Rendered prompt too large"


class GuardrailBlocked(ValidationFailed):
    """An active `block` guardrail fired. Names guardrails and finding types, never the text."""

    slug = "guardrail-blocked"
    title = "Blocked by a guardrail"

    def __init__(self, fired: list[dict[str, Any]]) -> None:
        names = sorted({event["guardrail"] for event in fired})
        super().__init__(
            f"blocked by guardrail {', '.join(names)}",
            extra={
                "guardrails": [
                    {key: event[key] for key in ("guardrail", "surface", "where", "types")}
                    for event in fired
                ]
            },
        )


class ServiceUnavailable(AppError):
    status = 503
    slug = "unavailable"
    title = "Service unavailable"
    retry_after = 1


class StoreUnavailable(ServiceUnavailable):
    """The backing store failed or missed its deadline; callers fall back or answer 503."""

    slug = "store-unavailable"
    title = "Store unavailable"


class CircuitOpen(StoreUnavailable):
    """The store failed repeatedly; calls are refused without trying until the cooldown ends."""

    slug = "circuit-open"


class StoreDeadlineExceeded(StoreUnavailable):
    """The request's time budget for the store ran out (see `shared.resilience.Budget`)."""

    slug = "store-deadline-exceeded"
    title = "Store deadline exceeded"
