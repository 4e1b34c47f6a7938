from django.apps import AppConfig


class NotesConfig(AppConfig):
    name = "notes"
    verbose_name = "Study notes"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from notes.models import Erratum, Section, Topic

        def pages_changed(sender, **kwargs):
            # A correction, or a section moved in the admin, changes what cached topic pages show.
            Topic.objects.bump_page_versions()

        for signal in (post_save, post_delete):
            signal.connect(
                pages_changed, sender=Erratum, weak=False, dispatch_uid=f"notes.erratum.{signal is post_save}"
            )
        post_save.connect(pages_changed, sender=Section, weak=False, dispatch_uid="notes.section")
