"""The background jobs of the reviews app; registered with the sweeper in ReviewsConfig.ready."""

from config.jobs.state import JobKind
from reviews.models import Delivery, PullRequest, Review, SnippetReview

DELIVERY = JobKind(Delivery, "", "finished_at", "reviews.process_delivery", "GitHub deliveries")
REVIEW = JobKind(Review, "", "finished_at", "reviews.review_pull_request", "Pull request reviews")
SNIPPET = JobKind(SnippetReview, "", "finished_at", "reviews.review_snippet", "Snippet reviews")
# Reading people's reactions on a pull request's inline comments (reviews/services/outcomes.py).
OUTCOMES = JobKind(PullRequest, "outcomes_", "outcomes_read_at", "reviews.refresh_outcomes", "Reactions read")
# Keeping a review's check run in step with it (reviews/services/checks.py).
CHECK = JobKind(Review, "check_", "check_synced_at", "reviews.sync_check_run", "Check runs")
