"""Writes and orchestration of the reviews app (one module per subject)."""
