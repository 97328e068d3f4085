"""Turning pydantic's validation errors into our `FieldError`s, in one place."""

from __future__ import annotations

import json
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from shared.errors import FieldError, ValidationFailed

ModelT = TypeVar("ModelT", bound=BaseModel)


def field_errors(exc: ValidationError, *, prefix: str) -> list[FieldError]:
    """`prefix` names the whole input (`body`, `settings`); field paths hang below it."""
    return [
        FieldError(".".join(str(part) for part in (prefix, *error["loc"])), error["msg"])
        for error in exc.errors(include_url=False, include_input=False)
    ]


def summarize(exc: ValidationError, *, prefix: str) -> str:
    return "; ".join(f"{e.field}: {e.message}" for e in field_errors(exc, prefix=prefix))


def validate_as(
    model: type[ModelT], data: object, *, prefix: str = "body", as_json: bool = False
) -> ModelT:
    """Validate `data` or raise `ValidationFailed` listing every invalid field (422).

    `as_json`: validate with JSON semantics (strict models then take ISO date strings), for
    data that came from a JSON body."""
    try:
        if as_json:
            return model.model_validate_json(json.dumps(data))
        return model.model_validate(data)
    except ValidationError as exc:
        errors = field_errors(exc, prefix=prefix)
        raise ValidationFailed(
            f"{len(errors)} invalid field(s): " + ", ".join(e.field for e in errors),
            errors=errors,
        ) from exc
