"""Triage of issues: prompts, output schema, the rules triager, similar issues and the services."""
