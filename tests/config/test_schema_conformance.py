"""A property-based run of the whole OpenAPI schema against a live server (schemathesis).

Every operation gets a few generated requests that fit the schema, sent with a superuser's token;
each answer must be no 5xx, have a documented status code and content type, and a body matching
its response schema. DELETEs are left out: with small generated ids they would remove the seed
data the other operations read."""

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import UserFactory
from tests.feedback.factories import AdjustmentFactory
from tests.issues.factories import CommentFactory, IssueFactory, LabelFactory, ProjectFactory
from tests.reviews.factories import ReviewCommentFactory

pytestmark = pytest.mark.django_db(transaction=True)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION = 4
# The operations are split into shards, each its own test, so pytest-xdist spreads them.
SHARDS = 4


@pytest.fixture
def token():
    admin = UserFactory(is_staff=True, is_superuser=True)
    project = ProjectFactory(key="WEB", github_repo="acme/web")
    issue = IssueFactory(project=project, assignee=admin)
    IssueFactory(project=project, assignee=None)
    LabelFactory(project=project, name="bug")
    CommentFactory(issue=issue)
    AdjustmentFactory()
    ReviewCommentFactory()
    return Token.objects.create(user=admin).key  # jobs it queues are purged by the next worker test


def _summary(exc: BaseException) -> str:
    """The gist of each failed check (schemathesis raises a group of them), one short line each."""
    found = getattr(exc, "exceptions", None) or [exc]
    return "; ".join(" ".join(str(one).split())[:400] for one in found)


@pytest.mark.parametrize("shard", range(SHARDS))
def test_every_operation_answers_as_the_schema_says(live_server, token, shard):
    headers = {"Authorization": f"Token {token}"}
    raw = requests.get(f"{live_server.url}/api/schema/", headers={**headers, "Accept": "application/json"}, timeout=30)
    schema = schemathesis.openapi.from_dict(raw.json()).exclude(method="DELETE")
    failures, cases = [], 0

    for index, result in enumerate(schema.get_all_operations()):
        if index % SHARDS != shard:
            continue
        operation = result.ok()

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case):
            nonlocal cases
            cases += 1
            case.call_and_validate(base_url=live_server.url, headers=headers, checks=CHECKS, timeout=30)

        try:
            check()
        except (Exception, BaseExceptionGroup) as exc:  # collected: one report for all operations
            failures.append(f"{operation.label}: {_summary(exc)}")

    print(f"schemathesis, shard {shard}: {cases} cases, {len(failures)} failing operations")
    assert not failures, "\n\n".join(failures)
