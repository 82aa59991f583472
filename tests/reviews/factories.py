import factory

from config.jobs.state import JobState
from issues.models import Project
from reviews.models import PullRequest, Review, ReviewComment, SnippetReview
from tests.factories import UserFactory


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    key = factory.Sequence(lambda n: f"R{n}")
    name = factory.Sequence(lambda n: f"Repo project {n}")
    github_repo = factory.Sequence(lambda n: f"octo/repo-{n}")


class PullRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PullRequest

    project = factory.SubFactory(ProjectFactory)
    repository = factory.LazyAttribute(lambda pull: pull.project.github_repo)
    number = factory.Sequence(lambda n: n + 1)
    title = "Add a feature"
    author = "octocat"
    head_sha = factory.Sequence(lambda n: f"{n:040x}")
    base_sha = "b" * 40


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    pull_request = factory.SubFactory(PullRequestFactory)
    head_sha = factory.LazyAttribute(lambda review: review.pull_request.head_sha)
    state = JobState.DONE


class ReviewCommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewComment

    review = factory.SubFactory(ReviewFactory)
    path = "src/app.py"
    line = 10
    body = "This can raise KeyError."
    severity = "major"
    category = "bug"
    fingerprint = factory.Sequence(lambda n: f"fp{n}")


class SnippetReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SnippetReview

    user = factory.SubFactory(UserFactory)
    code = "print('hi')\n"
