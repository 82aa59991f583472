"""API plumbing every app's API shares: errors, error pages, pagination, rendering, throttles."""
