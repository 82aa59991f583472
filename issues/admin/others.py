from django import forms
from django.contrib import admin, messages
from django.db.models import Count

from config.admin import RecordAdmin
from config.admin_lists import FittingListAdmin
from config.api.errors import ApplicationError
from issues.admin.common import (
    ACTIVITY_INLINE_FIELDS,
    EstimatedCountPaginator,
    ReadOnlyInline,
    actor_of,
    admin_link,
    changelist_link,
)
from issues.models import Activity, Comment, Issue, Label, Project, Task
from issues.services import comment_create, task_create, task_update

TASK_EDITABLE = ("title", "description", "status", "priority", "estimated_hours", "order", "issue")


@admin.register(Project)
class ProjectAdmin(FittingListAdmin):
    list_display = ("key", "name", "github_repo", "label_count", "issues_link", "tasks_link", "created_at")
    search_fields = ("key", "name", "github_repo")
    readonly_fields = ("issue_counter", "created_at", "updated_at", "issues_link", "tasks_link")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(label_total=Count("labels"))

    @admin.display(description="labels", ordering="label_total")
    def label_count(self, project):
        return project.label_total

    @admin.display(description="issues")
    def issues_link(self, project):
        return changelist_link(Issue, "issues", project__id__exact=project.pk)

    @admin.display(description="tasks")
    def tasks_link(self, project):
        return changelist_link(Task, "tasks", project__id__exact=project.pk)


@admin.register(Label)
class LabelAdmin(FittingListAdmin):
    list_display = ("name", "project", "colour", "description")
    list_filter = ("project",)
    list_select_related = ("project",)
    search_fields = ("name",)


class TaskForm(forms.ModelForm):
    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Task
        fields = ["project", *TASK_EDITABLE]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issue"].queryset = Issue.objects.select_related("project").defer("search_vector")
        if self.instance.pk:
            self.fields["seen_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        project, issue = cleaned.get("project") or getattr(self.instance, "project", None), cleaned.get("issue")
        if project and issue and issue.project_id != project.pk:
            self.add_error("issue", "The issue must belong to the task's project.")
        seen = cleaned.get("seen_version")
        if self.instance.pk and seen is not None and seen != self.instance.version:
            raise forms.ValidationError("Someone changed this task meanwhile; open it again to see their change.")
        return cleaned


class TaskActivityInline(ReadOnlyInline):
    model = Activity
    fk_name = "task"
    fields = ACTIVITY_INLINE_FIELDS
    readonly_fields = fields
    verbose_name_plural = "activity history"


@admin.register(Task)
class TaskAdmin(FittingListAdmin):
    form = TaskForm
    list_display = ("title", "project", "issue_link", "status", "priority", "estimated_hours", "order", "version")
    list_filter = ("project", "status", "priority")
    list_select_related = ("project", "issue__project")
    search_fields = ("title",)
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    raw_id_fields = ("issue",)
    readonly_fields = ("version", "created_at", "updated_at", "issue_link")
    inlines = (TaskActivityInline,)

    def get_fields(self, request, obj=None):
        fields = ["project", *TASK_EDITABLE]
        if obj is not None:
            fields += ["issue_link", "seen_version", "version", "created_at", "updated_at"]
        return fields

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "project") if obj is not None else self.readonly_fields

    @admin.display(description="issue")
    def issue_link(self, task):
        return admin_link(task.issue, task.issue.key if task.issue else None)

    def save_model(self, request, obj, form, change):
        if not change:
            created = task_create(
                actor=actor_of(request), **{k: form.cleaned_data[k] for k in ("project", *TASK_EDITABLE)}
            )
            obj.pk, obj.version, obj.order = created.pk, created.version, created.order
            obj._state.adding = False
            return
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in TASK_EDITABLE}
        if changes:
            try:
                version = form.cleaned_data.get("seen_version") or obj.version
                task_update(task=obj, version=version, actor=actor_of(request), **changes)
            except ApplicationError as exc:
                self.message_user(request, f"{obj}: not saved: {exc.message}", messages.ERROR)


@admin.register(Comment)
class CommentAdmin(FittingListAdmin):
    list_display = ("issue_link", "author", "author_name", "created_at")
    list_select_related = ("issue__project", "author")
    search_fields = ("body",)
    raw_id_fields = ("issue",)
    fields = ("issue", "body", "author", "author_name", "external_id", "created_at")
    readonly_fields = ("author", "author_name", "external_id", "created_at")
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "issue") if obj is not None else self.readonly_fields

    @admin.display(description="issue")
    def issue_link(self, comment):
        return admin_link(comment.issue, comment.issue.key)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        created = comment_create(
            issue=form.cleaned_data["issue"], body=form.cleaned_data["body"], actor=actor_of(request)
        )
        obj.pk = created.pk
        obj._state.adding = False


@admin.register(Activity)
class ActivityAdmin(RecordAdmin):
    """The append-only history: readable, never editable."""

    list_display = ("created_at", "subject", "actor_type", "actor_name", "field", "old_value", "new_value")
    list_filter = ("actor_type", "field")
    list_select_related = ("issue__project", "task", "actor")
    search_fields = ("field", "actor_name")
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    date_hierarchy = None

    @admin.display(description="issue or task")
    def subject(self, activity):
        if activity.issue_id:
            return admin_link(activity.issue, activity.issue.key)
        return admin_link(activity.task)
