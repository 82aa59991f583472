from rest_framework.permissions import BasePermission


class IsStaff(BasePermission):
    message = "Only staff may do this."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


class CanDeleteProject(BasePermission):
    """Deleting a project (and all its issues) stays with admins (config/ops/staff.py withholds it)."""

    message = "Deleting projects needs the delete_project permission."

    def has_permission(self, request, view):
        return request.user.has_perm("issues.delete_project")
