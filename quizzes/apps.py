from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = "Quizzes and reviews"

    def ready(self) -> None:
        from notes.models import Note, note_changed

        def on_note_changed(sender, note, **kwargs):
            from quizzes.loader import sync_note_flashcards

            sync_note_flashcards(note)

        note_changed.connect(on_note_changed, sender=Note, dispatch_uid="quizzes.flashcards", weak=False)
