from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseInlineFormSet, inlineformset_factory

from notes.models import Topic
from quizzes.bank import OptionSpec, QuestionSpec, validate
from quizzes.models import LearnerSettings, Option, Question

PRACTICE_TYPES = [
    (Question.Type.SINGLE, "Multiple choice"),
    (Question.Type.MULTIPLE, "Multiple response"),
    (Question.Type.ORDERING, "Put in order"),
    (Question.Type.FLASHCARD, "Flashcards"),
]


class AnswerForm(forms.Form):
    """A learner's answer: option ids, in the order given for ordering questions."""

    def __init__(self, question: Question, option_order: list[int], *args, require_answer: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # Practice and review grade what is sent, so an empty or short answer is sent back to the
        # learner instead of being recorded as wrong; an exam may save a question unanswered.
        self.require_answer = require_answer
        self.question = question
        options = {o.pk: o for o in question.options.all()}
        self.options = [options[pk] for pk in option_order if pk in options]
        choices = [(str(o.pk), o.text) for o in self.options]
        if question.type == Question.Type.SINGLE:
            self.fields["choice"] = forms.ChoiceField(choices=choices, widget=forms.RadioSelect, required=False)
        elif question.type == Question.Type.MULTIPLE:
            self.fields["choice"] = forms.MultipleChoiceField(
                choices=choices, widget=forms.CheckboxSelectMultiple, required=False
            )
        elif question.type == Question.Type.ORDERING:
            positions = [("", "–")] + [(str(n), str(n)) for n in range(1, len(self.options) + 1)]
            for option in self.options:
                self.fields[f"pos-{option.pk}"] = forms.ChoiceField(choices=positions, required=False)

    @property
    def rows(self) -> list[dict]:
        """Each option with whether it is ticked and its position, from the answer given or saved."""
        source = self.data if self.is_bound else self.initial
        getlist = source.getlist if hasattr(source, "getlist") else lambda key: source.get(key) or []
        picked = getlist("choice")
        picked = {picked} if isinstance(picked, str) else {str(p) for p in picked}
        return [
            {"option": o, "checked": str(o.pk) in picked, "position": str(source.get(f"pos-{o.pk}") or "")}
            for o in self.options
        ]

    def clean(self):
        data = super().clean()
        if self.question.type == Question.Type.ORDERING:
            given = {pk: data.get(f"pos-{o.pk}") for o in self.options for pk in [str(o.pk)]}
            if any(given.values()):
                if not all(given.values()):
                    raise ValidationError("Give every step a position.")
                if len(set(given.values())) != len(given):
                    raise ValidationError("Each position can be used once.")
            elif self.require_answer:
                raise ValidationError("Give every step a position before checking.")
        elif self.require_answer and self.question.type in (Question.Type.SINGLE, Question.Type.MULTIPLE):
            picked = data.get("choice") or []
            picked = [picked] if isinstance(picked, str) else picked
            wanted = self.question.select_count
            if not picked:
                raise ValidationError("Choose an option first." if wanted == 1 else f"Choose {wanted} options first.")
            if self.question.type == Question.Type.MULTIPLE and len(picked) != wanted:
                raise ValidationError(f"This question asks for {wanted} answers; you chose {len(picked)}.")
        return data

    def chosen(self) -> list[str]:
        if self.question.type == Question.Type.ORDERING:
            given = {str(o.pk): self.cleaned_data.get(f"pos-{o.pk}") for o in self.options}
            if not all(given.values()):
                return []
            return [pk for pk, _ in sorted(given.items(), key=lambda item: int(item[1]))]
        value = self.cleaned_data.get("choice")
        if not value:
            return []
        return [value] if isinstance(value, str) else list(value)


class PracticeForm(forms.Form):
    topics = forms.ModelMultipleChoiceField(
        queryset=Topic.objects.all(), required=False, widget=forms.CheckboxSelectMultiple, help_text="None: all topics."
    )
    types = forms.MultipleChoiceField(
        choices=PRACTICE_TYPES, required=False, widget=forms.CheckboxSelectMultiple, help_text="None: every type."
    )
    count = forms.IntegerField(min_value=1, max_value=100, initial=10)
    only_missed = forms.BooleanField(required=False, label="Only questions I got wrong before")


class LearnerSettingsForm(forms.ModelForm):
    class Meta:
        model = LearnerSettings
        fields = ["desired_retention", "new_per_day", "reviews_per_day"]
        widgets = {"desired_retention": forms.NumberInput(attrs={"step": "0.01", "min": "0.70", "max": "0.99"})}


# ---------------------------------------------------------------------------------------
# Authoring


class QuestionForm(forms.ModelForm):
    doc_url = forms.URLField(
        label="AWS documentation URL",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="The docs.aws.amazon.com page that settles the question.",
    )

    class Meta:
        model = Question
        fields = [
            "uid",
            "type",
            "topic",
            "topics",
            "difficulty",
            "stem",
            "answer",
            "section_ref",
            "doc_title",
            "doc_url",
            "status",
        ]
        widgets = {
            "stem": forms.Textarea(attrs={"rows": 8}),
            "answer": forms.Textarea(attrs={"rows": 4}),
            "topics": forms.CheckboxSelectMultiple,
        }
        labels = {"uid": "Id", "topics": "Other topics", "section_ref": "Source section"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [c for c in Question.Type.choices if c[0] != Question.Type.LAB]
        self.fields["status"].choices = [c for c in Question.Status.choices if c[0] != Question.Status.RETIRED]
        self.fields["topics"].required = False


class OptionForm(forms.ModelForm):
    class Meta:
        model = Option
        fields = ["order", "text", "correct", "explanation"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 2}),
            "explanation": forms.Textarea(attrs={"rows": 2}),
            "order": forms.NumberInput(attrs={"min": 0, "class": "order-input"}),
        }


class BaseOptionFormSet(BaseInlineFormSet):
    def kept_forms(self) -> list[forms.Form]:
        forms_ = [f for f in self.forms if f.has_changed() or f.instance.pk]
        forms_ = [f for f in forms_ if f.is_valid() and not (self.can_delete and self._should_delete_form(f))]
        return sorted(forms_, key=lambda f: f.cleaned_data.get("order") or 0)


OptionFormSet = inlineformset_factory(
    Question, Option, form=OptionForm, formset=BaseOptionFormSet, extra=0, can_delete=True, min_num=0
)


def question_errors(form: QuestionForm, formset: BaseOptionFormSet) -> list[str]:
    """The bank's rules (one correct for single, two or more for multiple, every option explained...)."""
    data = form.cleaned_data
    options = [
        OptionSpec(
            f.cleaned_data.get("text", ""), f.cleaned_data.get("explanation", ""), f.cleaned_data.get("correct", False)
        )
        for f in formset.kept_forms()
    ]
    spec = QuestionSpec(
        uid=data.get("uid", ""),
        type=data.get("type", ""),
        topic=data["topic"].slug if data.get("topic") else "",
        stem=data.get("stem", ""),
        difficulty=data.get("difficulty") or 2,
        options=options,
        answer=data.get("answer", ""),
        status="draft",
        source_title=data.get("doc_title", ""),
        source_url=data.get("doc_url", ""),
    )
    return validate(spec)
