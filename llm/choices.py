from django.db import models


class Outcome(models.TextChoices):
    OK = "ok", "OK"
    CACHE_HIT = "cache_hit", "Cache hit"
    INVALID_OUTPUT = "invalid_output", "Invalid output"
    RATE_LIMITED = "rate_limited", "Rate limited by the provider"
    TRANSIENT_ERROR = "transient_error", "Transient error"
    PERMANENT_ERROR = "permanent_error", "Permanent error"
    # Written before the provider call, finished with one of the outcomes above after it.
    IN_FLIGHT = "in_flight", "In flight"
    # Never finished: cut off on our side, or still in flight past the task hard time limit
    # (its worker died during the call). Keeps the estimated cost.
    LOST = "lost", "Lost (the call never finished)"


ERROR_OUTCOMES = (
    Outcome.INVALID_OUTPUT,
    Outcome.RATE_LIMITED,
    Outcome.TRANSIENT_ERROR,
    Outcome.PERMANENT_ERROR,
    Outcome.LOST,
)
# Calls whose latency is not known (yet): left out of the latency percentiles.
UNFINISHED_OUTCOMES = (Outcome.IN_FLIGHT, Outcome.LOST)
