import pytest

from reviews.choices import Category, FindingOutcome
from reviews.selectors import unwanted_categories
from tests.reviews.factories import PullRequestFactory, ReviewCommentFactory, ReviewFactory

pytestmark = pytest.mark.django_db


def _findings(review, category, outcome, count):
    for _ in range(count):
        ReviewCommentFactory(review=review, category=category, outcome=outcome)


def test_unwanted_categories_are_those_dismissed_more_than_found_helpful_in_the_repository():
    review = ReviewFactory(pull_request=PullRequestFactory())
    _findings(review, Category.STYLE, FindingOutcome.DISMISSED, 3)
    _findings(review, Category.DOCS, FindingOutcome.DISMISSED, 2)
    _findings(review, Category.BUG, FindingOutcome.DISMISSED, 2)
    _findings(review, Category.BUG, FindingOutcome.HELPFUL, 2)  # as often helpful: wanted
    _findings(review, Category.TESTS, FindingOutcome.DISMISSED, 1)  # once is not a pattern
    other = ReviewFactory(pull_request=PullRequestFactory())
    _findings(other, Category.PERFORMANCE, FindingOutcome.DISMISSED, 5)

    assert unwanted_categories(review.pull_request.repository.upper()) == [Category.STYLE, Category.DOCS]
