from django.db import models


class Outcome(models.TextChoices):
    OK = "ok", "OK"
    CACHE_HIT = "cache_hit", "Cache hit"
    INVALID_OUTPUT = "invalid_output", "Invalid output"
    RATE_LIMITED = "rate_limited", "Rate limited by the provider"
    TRANSIENT_ERROR = "transient_error", "Transient error"
    PERMANENT_ERROR = "permanent_error", "Permanent error"


ERROR_OUTCOMES = (Outcome.INVALID_OUTPUT, Outcome.RATE_LIMITED, Outcome.TRANSIENT_ERROR, Outcome.PERMANENT_ERROR)
