"""Triage and planning of issues: prompts, output schemas, the rules triager and the services."""
