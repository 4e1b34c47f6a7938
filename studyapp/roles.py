"""The three roles: student (default for sign-ups), instructor (a group that authors
content), admin (staff). Groups and their permissions are created after every migrate."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission

STUDENT, INSTRUCTOR = "student", "instructor"

# What instructors may author; later apps add their models here.
INSTRUCTOR_MODELS = {"notes": ["topic", "note", "section", "tip"], "quizzes": ["question", "option"]}


def ensure_roles() -> None:
    Group.objects.get_or_create(name=STUDENT)
    instructor, _ = Group.objects.get_or_create(name=INSTRUCTOR)
    wanted = Permission.objects.filter(
        content_type__app_label__in=INSTRUCTOR_MODELS,
        content_type__model__in=[m for models in INSTRUCTOR_MODELS.values() for m in models],
    )
    instructor.permissions.add(*wanted)


def role_of(user: AbstractBaseUser | AnonymousUser) -> str | None:
    if not user.is_authenticated:
        return None
    if user.is_staff:
        return "admin"
    if user.groups.filter(name=INSTRUCTOR).exists():
        return INSTRUCTOR
    return STUDENT


def is_instructor(user) -> bool:
    """Instructors and admins author content and see the unsorted sections."""
    return user.is_authenticated and user.has_perm("notes.change_section")
