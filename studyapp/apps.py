from django.apps import AppConfig
from django.db.models.signals import post_migrate


class StudyappConfig(AppConfig):
    name = "studyapp"
    verbose_name = "Study app"

    def ready(self) -> None:
        from studyapp.roles import ensure_roles

        post_migrate.connect(lambda **kwargs: ensure_roles(), dispatch_uid="studyapp.ensure_roles", weak=False)
