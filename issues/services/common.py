"""Helpers shared by the issue and task services."""

import copy
from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction

from config.api.errors import ApplicationError, ConflictError

# How often a write without a version (automation) re-reads and retries after losing a race.
UNVERSIONED_ATTEMPTS = 5


M = TypeVar("M", bound=models.Model)


def versioned_write(
    model: type[M], pk, version: int | None, apply: Callable[[M], M | None], *, related: tuple[str, ...] = ()
) -> M:
    """Run `apply` on the current row if `version` is current (None: whatever is current).

    `apply` writes with a conditional UPDATE on the version it was given and returns the
    updated object, or None when a concurrent writer got there first. Exactly one writer wins:
    the others get `ConflictError` with the current version and change nothing. A write without
    a version (automation) re-reads and tries again, up to UNVERSIONED_ATTEMPTS times."""
    for _attempt in range(UNVERSIONED_ATTEMPTS):
        with transaction.atomic():
            current = model.objects.select_related(*related).get(pk=pk)
            if version is not None and current.version != version:
                raise _conflict(model, current.version)
            updated = apply(current)
            if updated is not None:
                return updated
        if version is not None:
            break
    raise _conflict(model, model.objects.values_list("version", flat=True).get(pk=pk))


def _conflict(model: type[models.Model], current_version: int) -> ConflictError:
    return ConflictError(
        f"The {model._meta.verbose_name} was changed meanwhile; its current version is {current_version}.",
        current_version=current_version,
    )


def validate_fields(instance: models.Model, fields) -> None:
    """Run the model's field validation (choices, lengths, validators) on `fields` only.

    Foreign keys are checked by the caller (Django's check costs a query per field)."""
    fields = set(fields)
    exclude = [f.name for f in instance._meta.concrete_fields if f.name not in fields or f.is_relation]
    instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)


def candidate_with(instance: models.Model, values: dict) -> models.Model:
    candidate = copy.copy(instance)
    for field, value in values.items():
        setattr(candidate, field, value)
    return candidate


def reject_unknown_fields(changes: dict, allowed: frozenset) -> None:
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise ApplicationError(
            f"These fields cannot be changed here: {', '.join(unknown)}.",
            type="validation_error",
            fields={name: ["This field cannot be changed."] for name in unknown},
        )


def require_user_or_none(value, field: str) -> None:
    from django.contrib.auth import get_user_model

    if value is not None and not isinstance(value, get_user_model()):
        raise ValidationError({field: ["Must be a user or null."]})


def same_value(old, new) -> bool:
    if isinstance(old, models.Model) or isinstance(new, models.Model):
        return getattr(old, "pk", None) == getattr(new, "pk", None)
    return old == new
