"""The background jobs of the reviews app; registered with the sweeper in ReviewsConfig.ready."""

from config.jobs.state import JobKind
from reviews.models import Delivery, Review, SnippetReview

DELIVERY = JobKind(Delivery, "", "finished_at", "reviews.process_delivery", "GitHub deliveries")
REVIEW = JobKind(Review, "", "finished_at", "reviews.review_pull_request", "Pull request reviews")
SNIPPET = JobKind(SnippetReview, "", "finished_at", "reviews.review_snippet", "Snippet reviews")
