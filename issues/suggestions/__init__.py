"""Triage suggestions: what a triage proposed and did not apply, for a person to accept or dismiss.

- `models.TriageSuggestion` (exported as `issues.models.TriageSuggestion`): one row per proposal;
- `raising`: the rows a triage run creates (called by issues/triage/services.py);
- issues/services/suggestions.py: accept and dismiss (exported by `issues.services`);
- `github`: the job posting an accepted question on the linked GitHub issue;
- `history`, `stats` and `lessons`: what people decided, as figures (`triage_stats`, exported by
  `issues.selectors`) and as examples for the triage prompt.
"""
