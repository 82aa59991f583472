"""PUT and PATCH of a versioned object (issues, tasks): the client sends the `version` it read."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from issues.actors import Actor
from issues.api import examples

CONFLICT = OpenApiResponse(description="Stale `version`: `current_version` in the error.")


def versioned_update_schemas(noun: str, *, request, response, put_example, patch_example) -> dict:
    """The `update` and `partial_update` entries of `extend_schema_view` for a versioned object."""
    errors = {
        400: OpenApiResponse(description="Invalid input (error format, type `validation_error` or more specific)."),
        404: OpenApiResponse(description=f"No such {noun}."),
        409: CONFLICT,
    }
    return {
        "update": extend_schema(
            summary=f"Replace a {noun}'s editable fields",
            request=request,
            responses={200: response, **errors},
            examples=[put_example, examples.VERSION_CONFLICT],
        ),
        "partial_update": extend_schema(
            summary=f"Change some of a {noun}'s fields",
            request=request,
            responses={200: response, **errors},
            examples=[patch_example, examples.VERSION_CONFLICT],
        ),
    }


# `update` and `partial_update` for a viewset of versioned objects. The viewset names the body
# (`update_serializer_class`, which requires `version`) and the write (`perform_versioned_update`,
# a service call). The service compares the version inside its transaction and raises
# `ConflictError` when it is stale; the exception handler answers 409 with `current_version`,
# and nothing is changed. (A comment, not a docstring: drf-spectacular would show a mixin's
# docstring as the description of every operation of the viewsets that use it.)
class VersionedUpdateMixin:
    update_serializer_class: type[serializers.Serializer]

    def perform_versioned_update(self, instance, *, version: int, actor: Actor, **changes):
        raise NotImplementedError

    def versioned_response(self, instance) -> Response:
        return Response(self.get_serializer(instance).data)

    def update(self, request, *args, **kwargs):
        instance = self.get_object()
        serializer = self.update_serializer_class(data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        version = changes.pop("version")
        updated = self.perform_versioned_update(instance, version=version, actor=Actor.of_user(request.user), **changes)
        return self.versioned_response(updated)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)
