"""Resolving label names of a project (case-insensitive), optionally creating missing ones."""

from collections.abc import Iterable

from django.db.models.functions import Lower

from config.api.errors import ApplicationError
from issues.models import Label, Project


def labels_resolve(*, project: Project, labels: Iterable, create_missing: bool = False) -> list[Label]:
    """Label rows for `labels` (Label instances or names) in `project`, in the given order.

    Unknown names are an `unknown_labels` error naming them, unless `create_missing`."""
    rows: dict[str, Label] = {}
    names: dict[str, str] = {}
    order: list[str] = []
    for item in labels:
        if isinstance(item, Label):
            if item.project_id != project.pk:
                raise ApplicationError(
                    f"Label {item.name!r} belongs to another project.", type="unknown_labels", labels=[item.name]
                )
            rows[item.name.lower()] = item
            order.append(item.name.lower())
        else:
            name = str(item).strip()
            if not name:
                raise ApplicationError("Label names cannot be blank.", type="validation_error")
            if len(name) > Label._meta.get_field("name").max_length:
                raise ApplicationError(f"Label name too long: {name[:60]!r}.", type="validation_error")
            names.setdefault(name.lower(), name)
            order.append(name.lower())
    wanted = [key for key in names if key not in rows]
    if wanted:
        found = _by_lower_name(project, wanted)
        missing = [names[key] for key in wanted if key not in found]
        if missing and not create_missing:
            raise ApplicationError(
                f"Unknown labels in project {project.key}: {', '.join(missing)}.", type="unknown_labels", labels=missing
            )
        if missing:
            # ignore_conflicts: a concurrent request may create the same label a moment earlier.
            Label.objects.bulk_create([Label(project=project, name=name) for name in missing], ignore_conflicts=True)
            found = _by_lower_name(project, wanted)
        rows.update(found)
    return list({key: rows[key] for key in order}.values())


def _by_lower_name(project: Project, lower_names: list[str]) -> dict[str, Label]:
    queryset = Label.objects.annotate(lower_name=Lower("name")).filter(project=project, lower_name__in=lower_names)
    return {label.lower_name: label for label in queryset}
