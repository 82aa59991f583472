# The fake GitHub of the reviews tests (every request checked against GitHub's API description).
from tests.reviews.conftest import _github_settings, fake_github  # noqa: F401  (fixtures)
