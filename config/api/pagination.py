from django.utils.encoding import force_str
from rest_framework import pagination, serializers


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page_size=`: a positive integer, capped at 100 as it always was; anything else is a 400
    naming it (DRF ignores it silently)."""

    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return self.page_size
        value = value.strip()
        if not value.isdigit() or int(value) < 1:
            raise serializers.ValidationError(
                {self.page_size_query_param: [f"A positive integer (pages hold at most {self.max_page_size})."]}
            )
        return min(int(value), self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size, default=self.page_size)
                parameter["description"] = force_str(parameter["description"])
        return parameters
