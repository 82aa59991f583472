from issues.api.views.events import EventViewSet
from issues.api.views.issues import IssueViewSet
from issues.api.views.projects import LabelViewSet, ProjectViewSet
from issues.api.views.reports import ReportViewSet
from issues.api.views.suggestions import IssueSuggestionSlashlessViewSet, IssueSuggestionViewSet
from issues.api.views.tasks import TaskViewSet

__all__ = [
    "EventViewSet",
    "IssueSuggestionSlashlessViewSet",
    "IssueSuggestionViewSet",
    "IssueViewSet",
    "LabelViewSet",
    "ProjectViewSet",
    "ReportViewSet",
    "TaskViewSet",
]
