import factory
from django.db.models import F

from issues.choices import IssuePriority, IssueStatus, IssueType, SuggestionKind
from issues.models import Comment, Issue, Label, Project, Task, TriageEngine, TriageRun, TriageSuggestion
from tests.factories import UserFactory


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    key = factory.Sequence(lambda n: f"P{n}")
    name = factory.Faker("catch_phrase")


class LabelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Label

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"label-{n}")


class IssueFactory(factory.django.DjangoModelFactory):
    """An issue numbered through its project's counter, like issue_create does."""

    class Meta:
        model = Issue
        skip_postgeneration_save = True

    project = factory.SubFactory(ProjectFactory)
    title = factory.Faker("sentence", nb_words=6)
    body = factory.Faker("paragraph")
    status = IssueStatus.OPEN
    priority = IssuePriority.MEDIUM
    type = IssueType.BUG

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        project = kwargs["project"]
        if "number" not in kwargs:
            Project.objects.filter(pk=project.pk).update(issue_counter=F("issue_counter") + 1)
            kwargs["number"] = Project.objects.values_list("issue_counter", flat=True).get(pk=project.pk)
        return super()._create(model_class, *args, **kwargs)

    @factory.post_generation
    def labels(self, create, extracted, **kwargs):
        if create and extracted:
            self.labels.set(extracted)


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    issue = factory.SubFactory(IssueFactory)
    author = factory.SubFactory(UserFactory)
    body = factory.Faker("paragraph")


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    project = factory.SubFactory(ProjectFactory)
    title = factory.Faker("sentence", nb_words=5)
    order = factory.Sequence(lambda n: n)


class TriageRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TriageRun

    issue = factory.SubFactory(IssueFactory)
    engine = TriageEngine.LLM


class TriageSuggestionFactory(factory.django.DjangoModelFactory):
    """An open label suggestion by default; give `kind` and `value` for another."""

    class Meta:
        model = TriageSuggestion

    issue = factory.SubFactory(IssueFactory)
    run = factory.SubFactory(TriageRunFactory, issue=factory.SelfAttribute("..issue"))
    kind = SuggestionKind.LABEL
    value = factory.LazyFunction(lambda: {"label": "needs-design"})
    why = "Not a label of this project."
