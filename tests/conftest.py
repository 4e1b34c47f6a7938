from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import caches

from notes.loader import ingest_paths
from tests.factories import UserFactory

SHIPPED = Path(settings.NOTES_CONTENT_DIR)


@pytest.fixture(autouse=True)
def _fresh_page_cache():
    """Rendered topic pages are cached per process under the topic's page version; a test's
    rolled-back database reuses ids and versions, so each test starts with an empty cache."""
    caches["pages"].clear()


@pytest.fixture
def shipped_notes(db):
    """The five learners' notes, ingested as `make run` does."""
    report = ingest_paths()
    assert report.ok, report.failed
    return report


@pytest.fixture
def student(db):
    return UserFactory(username="stu")


@pytest.fixture
def instructor(db):
    return UserFactory(username="teacher", instructor=True)


@pytest.fixture
def notes_dir(tmp_path):
    """A folder of note files for a test to fill."""
    folder = tmp_path / "notes"
    folder.mkdir()
    return folder
