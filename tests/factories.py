from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from notes.models import Note, Topic
from studyapp.roles import INSTRUCTOR, STUDENT, ensure_roles


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"learner{n}")
    password = factory.django.Password("a-good-password-42")

    @factory.post_generation
    def instructor(self, create, extracted, **kwargs):
        ensure_roles()
        self.groups.add(Group.objects.get(name=INSTRUCTOR if extracted else STUDENT))


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"topic-{n}")
    title = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())
    order = factory.Sequence(lambda n: n + 100)
    keywords = factory.LazyAttribute(lambda o: [o.slug.replace("-", " ")])


class NoteFactory(factory.django.DjangoModelFactory):
    """A note written as markdown and rendered as the ingest would."""

    class Meta:
        model = Note
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"note-{n}")
    file_name = factory.LazyAttribute(lambda o: f"{o.slug}.md")
    source = "# A note\n\nSome text.\n"

    @factory.post_generation
    def rendered(self, create, extracted, **kwargs):
        if create:
            from notes.loader import rebuild_note

            rebuild_note(self)


def make_question(
    uid: str, topic_slug: str = "caching", qtype: str = "single", right=(0,), n_options: int = 4, **fields
):
    """A published question with options "Option 0".."Option n-1"; `right` are the correct indexes."""
    from quizzes.models import Option, Question

    topic = TopicFactory(slug=topic_slug)
    question = Question.objects.create(
        uid=uid, type=qtype, topic=topic, stem=fields.pop("stem", f"Stem of {uid}?"), status="published", **fields
    )
    question.topics.add(topic)
    for n in range(n_options if qtype != "flashcard" else 0):
        Option.objects.create(
            question=question,
            order=n,
            text=f"Option {n}",
            correct=qtype != "ordering" and n in right,
            explanation=f"Why option {n} is {'right' if n in right else 'wrong'}",
        )
    return question


def add_html_page(account, api, path: str, html: str) -> None:
    """GET `path`: a MOCK method answering `html` as text/html (a learner's page, for origin tests)."""
    import gateway as gw

    resource = gw.create_resource_path(account, api, path)
    gw.put_method(api, resource.id, "GET")
    gw.put_integration(api, resource.id, "GET", "MOCK", requestTemplates={"application/json": '{"statusCode": 200}'})
    gw.put_method_response(
        api, resource.id, "GET", "200", responseParameters={"method.response.header.Content-Type": False}
    )
    gw.put_integration_response(
        api,
        resource.id,
        "GET",
        "200",
        responseTemplates={"application/json": html},
        responseParameters={"method.response.header.Content-Type": "'text/html'"},
    )
