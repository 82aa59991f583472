"""Every API viewset is registered here; apps add theirs with `router.register(...)`."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()
