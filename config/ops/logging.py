"""Request ids and task ids on every log line."""

import contextvars
import logging
import re
import uuid

from celery import current_task

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class ContextFilter(logging.Filter):
    def filter(self, record):
        record.request_id = request_id_var.get()
        task = current_task
        task_request = getattr(task, "request", None) if task else None
        record.task_id = getattr(task_request, "id", None)
        record.task_name = getattr(task, "name", None) if record.task_id else None
        return True


class RequestIdMiddleware:
    """Takes `X-Request-ID` from the caller (or makes one) and echoes it on the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response
