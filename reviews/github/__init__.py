"""The only code that speaks to the GitHub REST API: `client` (requests, rate limits, errors)."""

from reviews.github.client import GitHubClient, GitHubError, GitHubNotConfigured, GitHubValidationError

__all__ = ["GitHubClient", "GitHubError", "GitHubNotConfigured", "GitHubValidationError"]
