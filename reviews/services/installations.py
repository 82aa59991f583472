"""GitHub App installations: kept from `installation` / `installation_repositories` deliveries,
and the installation a repository's calls are made with."""

import logging
from datetime import UTC, datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from config.jobs.errors import PermanentError
from reviews.models import Installation, InstallationRepository

logger = logging.getLogger(__name__)


class InstallationStopped(PermanentError):
    """The repository's installation is suspended or deleted: no call is made for it."""

    def __init__(self, installation: Installation, repository: str = ""):
        where = f" for {repository}" if repository else ""
        super().__init__(
            f"GitHub App installation {installation.installation_id} ({installation.account}) is "
            f"{installation.stopped}: no GitHub calls{where}",
            type="github_installation_stopped",
        )


class NotInstalled(PermanentError):
    def __init__(self, repository: str):
        super().__init__(f"the GitHub App is not installed on {repository}", type="github_not_installed")


def _github_time(value) -> datetime | None:
    """GitHub's times: ISO text, or Unix seconds (installation.created_at in some payloads)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, tz=UTC)
    if isinstance(value, str):
        return parse_datetime(value)
    return None


def _fields(data: dict) -> dict:
    return {
        "account": str((data.get("account") or {}).get("login") or "")[:200],
        "target_type": str(data.get("target_type") or "")[:50],
        "app_id": data.get("app_id") if isinstance(data.get("app_id"), int) else None,
        "repository_selection": str(data.get("repository_selection") or "")[:20],
        "installed_at": _github_time(data.get("created_at")),
    }


def _add_repositories(installation: Installation, repositories: list[dict]) -> None:
    InstallationRepository.objects.bulk_create(
        [
            InstallationRepository(
                installation=installation,
                full_name=str(repo["full_name"])[:140],
                github_id=repo.get("id") if isinstance(repo.get("id"), int) else None,
            )
            for repo in repositories
            if isinstance(repo, dict) and repo.get("full_name")
        ],
        ignore_conflicts=True,
    )


@transaction.atomic
def installation_record(*, action: str, data: dict, repositories: list[dict] | None = None) -> Installation:
    """Apply an `installation` delivery: created (its repositories replace the stored ones),
    deleted, suspend, unsuspend, new_permissions_accepted (details refreshed)."""
    from reviews.github.app import drop_installation_token

    values = {**_fields(data), "last_action": action[:50]}
    if action == "created":
        values.update(deleted_at=None, suspended_at=_github_time(data.get("suspended_at")))
    elif action == "deleted":
        values["deleted_at"] = timezone.now()
    elif action == "suspend":
        values["suspended_at"] = _github_time(data.get("suspended_at")) or timezone.now()
    elif action == "unsuspend":
        values["suspended_at"] = None
    installation, _ = Installation.objects.update_or_create(installation_id=data["id"], defaults=values)
    if repositories is not None:
        if action == "created":
            installation.repositories.all().delete()
        # A deletion lists the repositories too: they are kept, so their calls stay stopped.
        _add_repositories(installation, repositories)
    if installation.stopped:  # harmless should the transaction roll back: a token is minted again
        drop_installation_token(installation.installation_id)
    return installation


@transaction.atomic
def installation_repositories_change(
    *, data: dict, added: list[dict], removed: list[dict], selection: str = ""
) -> Installation:
    """Apply an `installation_repositories` delivery (added / removed)."""
    values = _fields(data)
    if selection:
        values["repository_selection"] = selection[:20]
    installation, _ = Installation.objects.update_or_create(installation_id=data["id"], defaults=values)
    _add_repositories(installation, added)
    names = [repo["full_name"] for repo in removed if isinstance(repo, dict) and repo.get("full_name")]
    if names:
        installation.repositories.filter(full_name__in=names).delete()
    return installation


def _covering(repository: str):
    """Installations that cover the repository: listed on them, or all of the owner's."""
    owner = repository.partition("/")[0]
    return Installation.objects.filter(
        Q(repositories__full_name__iexact=repository) | Q(repository_selection="all", account__iexact=owner)
    ).distinct()


def installation_for_repository(repository: str, *, installation_id: int | None = None) -> int:
    """The installation to call GitHub with for `repository`: the one given (from the delivery),
    else the active one stored for the repository, else GitHub's answer to
    GET /repos/{owner}/{repo}/installation (remembered). A suspended or deleted one raises
    InstallationStopped; no installation at all raises NotInstalled."""
    if installation_id is not None:
        stored = Installation.objects.filter(installation_id=installation_id).first()
        if stored is not None and stored.stopped:
            raise InstallationStopped(stored, repository)
        return installation_id
    covering = list(_covering(repository))
    active = [installation for installation in covering if not installation.stopped]
    if active:
        return max(active, key=lambda installation: installation.updated_at).installation_id
    if covering:
        raise InstallationStopped(covering[0], repository)
    return _ask_github(repository)


def _ask_github(repository: str) -> int:
    from reviews.github.app import app_client

    data = app_client().get_repository_installation(repository)
    if data is None:
        raise NotInstalled(repository)
    with transaction.atomic():
        values = {**_fields(data), "suspended_at": _github_time(data.get("suspended_at"))}
        installation, _ = Installation.objects.update_or_create(installation_id=data["id"], defaults=values)
        InstallationRepository.objects.get_or_create(installation=installation, full_name=repository[:140])
    logger.info("GitHub App: %s is covered by installation %s", repository, installation.installation_id)
    if installation.stopped:
        raise InstallationStopped(installation, repository)
    return installation.installation_id
