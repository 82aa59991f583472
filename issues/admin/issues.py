from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.forms import modelform_factory

from config.admin_lists import FittingListAdmin
from config.api.errors import ApplicationError
from issues.admin.common import (
    ACTIVITY_INLINE_FIELDS,
    EstimatedCountPaginator,
    FastSelect,
    FieldConflictForm,
    PreloadedAutocompleteSelect,
    ReadOnlyInline,
    actor_of,
    admin_link,
    changelist_link,
)
from issues.admin.desk import IssueDeskMixin
from issues.admin.triage import PlanRunInline, TriageRunInline, rerun_triage, run_planning
from issues.choices import IssueStatus
from issues.fields import (
    ADMIN_READ_ONLY_FIELDS,
    ADMIN_READ_ONLY_FIELDSETS,
    CREATE_FIELDS,
    EDITABLE_FIELDS,
    TRIAGE_FIELDS,
)
from issues.models import Activity, Comment, Issue, Task
from issues.search import issues_search
from issues.services import (
    issue_archive,
    issue_create,
    issue_unarchive,
    issue_update,
    issues_bulk_set_status,
)

# Which of the issue's fields the admin shows, and how: issues/fields.py. Its own links go on top.
LINKS = ("key", "project_link", "tasks_link")
# Asked for on the add form and set by triage too: left blank there, triage sets them.
TRIAGE_CREATE_FIELDS = tuple(name for name in CREATE_FIELDS if name in TRIAGE_FIELDS)
TRIAGE_DECIDES = "— let triage decide —"


class ArchivedFilter(admin.SimpleListFilter):
    title = "archived"
    parameter_name = "archived"

    def lookups(self, request, model_admin):
        return (("no", "Not archived"), ("yes", "Archived"))

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(archived_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(archived_at__isnull=False)
        return queryset


class IssueActionForm(ActionForm):
    """Extra inputs beside the action menu, used by the bulk actions."""

    status = forms.ChoiceField(choices=[("", "status…"), *IssueStatus.choices], required=False)
    assignee = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_active=True),
        required=False,
        widget=PreloadedAutocompleteSelect(
            Issue._meta.get_field("assignee"), admin.site, attrs={"data-placeholder": "assignee…"}
        ),
    )
    label = forms.CharField(required=False, max_length=50, widget=forms.TextInput(attrs={"placeholder": "label"}))


class IssueForm(forms.ModelForm):
    """The change form carries the version it showed; saving a stale one is refused."""

    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Issue
        fields = ["project", *EDITABLE_FIELDS, "labels"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["seen_version"].initial = self.instance.version
            if "labels" in self.fields:  # not for someone who may only view the issue
                self.fields["labels"].queryset = self.instance.project.labels.all()
        else:
            # Adding: a value chosen here is the person's (triage only suggests); the blank choice,
            # the initial one, leaves the field to triage (issue_create).
            for name in TRIAGE_CREATE_FIELDS:
                field = self.fields[name]
                field.choices = [("", TRIAGE_DECIDES), *Issue._meta.get_field(name).choices]
                field.required, field.initial = False, ""

    def clean(self):
        cleaned = super().clean()
        project = cleaned.get("project") or getattr(self.instance, "project", None)
        foreign = [label.name for label in cleaned.get("labels") or () if project and label.project_id != project.pk]
        if foreign:
            self.add_error("labels", f"Not labels of this project: {', '.join(foreign)}.")
        seen = cleaned.get("seen_version")
        if self.instance.pk and seen is not None and seen != self.instance.version:
            raise forms.ValidationError(
                f"Someone changed this issue meanwhile (version {seen} → {self.instance.version}). "
                "Open it again to see their change."
            )
        return cleaned


class ActivityInline(ReadOnlyInline):
    model = Activity
    fk_name = "issue"
    fields = ACTIVITY_INLINE_FIELDS
    readonly_fields = fields
    show_change_link = False
    verbose_name_plural = "activity history"

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("-created_at", "-id")


class CommentInline(ReadOnlyInline):
    model = Comment
    fields = ("created_at", "author", "author_name", "body")
    readonly_fields = fields
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


class TaskInline(ReadOnlyInline):
    model = Task
    fields = ("title", "status", "priority", "estimated_hours")
    readonly_fields = fields
    show_change_link = True


@admin.register(Issue)
class IssueAdmin(IssueDeskMixin, FittingListAdmin):
    form = IssueForm
    change_form_template = "admin/issues/issue/change_form.html"
    list_display = (
        "key_link",
        "title",
        "project_key",
        "status",
        "priority",
        "type",
        "assignee",
        "label_names",
        "triage_state",
        "last_activity_at",
        "is_archived",
    )
    list_display_links = None
    list_editable = ("status", "priority", "assignee")
    autocomplete_fields = ("assignee",)
    list_filter = (
        "project",
        "status",
        "priority",
        "type",
        "labels",
        "assignee",
        ArchivedFilter,
        "triage_state",
        "plan_state",
    )
    list_select_related = ("project", "assignee")
    list_per_page = 50
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    search_fields = ("title",)
    search_help_text = "Full-text search over title and body, or an issue key such as WEB-42."
    ordering = ("-created_at", "-id")
    action_form = IssueActionForm
    actions = ("set_status", "assign", "add_label", "archive", "unarchive", rerun_triage, run_planning)
    inlines = (CommentInline, TaskInline, TriageRunInline, PlanRunInline, ActivityInline)
    readonly_fields = (*LINKS, *ADMIN_READ_ONLY_FIELDS)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return ((None, {"fields": (*CREATE_FIELDS, "labels")}),)
        return (
            (None, {"fields": (*LINKS, *EDITABLE_FIELDS, "labels", "seen_version")}),
            *((name, {"fields": fields}) for name, fields in ADMIN_READ_ONLY_FIELDSETS.items()),
        )

    def get_queryset(self, request):
        return super().get_queryset(request).defer("search_vector").prefetch_related("labels")

    def get_changelist_form(self, request, **kwargs):
        return modelform_factory(
            Issue, form=FieldConflictForm, fields=self.list_editable, formfield_callback=self._list_formfield
        )

    def get_changelist_formset(self, request, **kwargs):
        # The row menus: plain selects, and for the assignee a search-as-you-type menu with no
        # related-object links beside it (a list with many users stays small and one query).
        formset_class = super().get_changelist_formset(request, formfield_callback=self._list_formfield, **kwargs)

        class RowLabelsFormSet(formset_class):
            def _construct_form(self, i, **form_kwargs):
                form = super()._construct_form(i, **form_kwargs)
                assignee = form.instance.assignee if form.instance.assignee_id else None
                if assignee is not None:
                    form.fields["assignee"].widget.known_labels = {str(assignee.pk): assignee.get_username()}
                return form

        return RowLabelsFormSet

    def _list_formfield(self, db_field, **kwargs):
        if db_field.name == "assignee":
            widget = PreloadedAutocompleteSelect(db_field, self.admin_site, attrs={"style": "width: 9em"})
            return db_field.formfield(widget=widget)
        return db_field.formfield(widget=FastSelect)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        key, _, number = term.rpartition("-")
        if key and number.isdigit():
            return queryset.filter(Q(project__key__iexact=key, number=int(number))), False
        return issues_search(queryset, term), False

    @admin.display(description="issue", ordering="number")
    def key_link(self, issue):
        return admin_link(issue, issue.key)

    @admin.display(description="project", ordering="project__key")
    def project_key(self, issue):
        return issue.project.key

    @admin.display(description="project")
    def project_link(self, issue):
        return admin_link(issue.project)

    @admin.display(description="tasks")
    def tasks_link(self, issue):
        return changelist_link(Task, "tasks made from this issue", issue__id__exact=issue.pk)

    @admin.display(description="labels")
    def label_names(self, issue):
        return ", ".join(sorted(label.name for label in issue.labels.all()))

    @admin.display(description="archived", boolean=True, ordering="archived_at")
    def is_archived(self, issue):
        return issue.archived_at is not None

    # Writes go through the services (activity, version, triage).
    def save_model(self, request, obj, form, change):
        if not change:
            created = issue_create(
                actor=actor_of(request),
                labels=list(form.cleaned_data.get("labels") or ()),
                **{name: form.cleaned_data[name] or None for name in TRIAGE_CREATE_FIELDS},
                **{name: form.cleaned_data[name] for name in CREATE_FIELDS if name not in TRIAGE_CREATE_FIELDS},
            )
            obj.pk, obj.number, obj.version = created.pk, created.number, created.version
            obj._state.adding = False
            return
        try:
            changes = {name: form.cleaned_data[name] for name in form.changed_data if name in EDITABLE_FIELDS}
            if "labels" in form.changed_data:
                changes["labels"] = list(form.cleaned_data["labels"])
            if changes:
                version = form.cleaned_data.get("seen_version") or obj.version
                issue_update(issue=obj, version=version, actor=actor_of(request), **changes)
        except ApplicationError as exc:
            self.message_user(request, f"{obj}: not saved: {exc.message}", messages.ERROR)

    def save_related(self, request, form, formsets, change):
        # Labels were written by the service; the inlines are read-only.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def _done(self, request, count, what):
        self.message_user(request, f"{count} issue(s) {what}.", messages.SUCCESS)

    @admin.action(description="Set status (choose it beside the action)")
    def set_status(self, request, queryset):
        status = request.POST.get("status")
        if status not in IssueStatus.values:
            self.message_user(request, "Choose a status beside the action menu.", messages.WARNING)
            return
        issues = issues_bulk_set_status(
            ids=list(queryset.values_list("pk", flat=True)), status=status, actor=actor_of(request)
        )
        self._done(request, len(issues), f"set to {status}")

    @admin.action(description="Assign (choose the user beside the action)")
    def assign(self, request, queryset):
        form = IssueActionForm(request.POST)
        assignee = form.fields["assignee"].clean(request.POST.get("assignee")) if request.POST.get("assignee") else None
        if assignee is None:
            self.message_user(request, "Choose an assignee beside the action menu.", messages.WARNING)
            return
        for issue in queryset:
            issue_update(issue=issue, version=None, actor=actor_of(request), assignee=assignee)
        self._done(request, queryset.count(), f"assigned to {assignee.get_username()}")

    @admin.action(description="Add label (type it beside the action; created if new)")
    def add_label(self, request, queryset):
        name = (request.POST.get("label") or "").strip()
        if not name:
            self.message_user(request, "Type a label name beside the action menu.", messages.WARNING)
            return
        count = 0
        for issue in queryset.prefetch_related("labels"):
            names = [label.name for label in issue.labels.all()]
            if name.lower() not in {n.lower() for n in names}:
                issue_update(
                    issue=issue,
                    version=None,
                    actor=actor_of(request),
                    labels=[*names, name],
                    create_missing_labels=True,
                )
                count += 1
        self._done(request, count, f"labelled {name}")

    @admin.action(description="Archive")
    def archive(self, request, queryset):
        for issue in queryset.filter(archived_at__isnull=True):
            issue_archive(issue=issue, actor=actor_of(request))
        self._done(request, queryset.count(), "archived")

    @admin.action(description="Unarchive")
    def unarchive(self, request, queryset):
        for issue in queryset.filter(archived_at__isnull=False):
            issue_unarchive(issue=issue, actor=actor_of(request))
        self._done(request, queryset.count(), "unarchived")
