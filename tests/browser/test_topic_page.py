"""A learner reads consolidated topic pages: one block per thing said, corrections, key facts."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from notes.loader import ingest_paths
from quizzes.loader import load_bank

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_security_and_cors_read_as_one_corrected_page(page):
    assert ingest_paths().ok and load_bank().ok

    page.goto("/topics/security/")
    facts = page.get_by_role("region", name="Key facts")
    expect(facts).to_be_visible()
    expect(facts.get_by_role("link", name=re.compile("docs|API Gateway", re.I)).first).to_be_visible()

    # The Lambda authorizer section is in two notes: one block, citing both.
    authorizer = page.locator(
        "article.note-section", has=page.get_by_role("heading", name=re.compile("Lambda Authorizer"))
    )
    expect(authorizer).to_have_count(1)
    expect(authorizer).to_contain_text("in 2 of 5 notes")
    expect(authorizer.get_by_role("link", name="api-gateway.md (VuePress)")).to_be_visible()
    expect(authorizer.get_by_role("link", name="API Gateway course transcript.txt (course transcript)")).to_be_visible()
    expect(page.get_by_role("heading", name="Lambda authorizers", level=2)).to_be_visible()  # the topic's outline

    # The vault's claim that CORS restricts access, and beside it the correction with its AWS page.
    page.goto("/topics/cors/")
    correction = page.get_by_role("complementary", name="Correction").filter(has_text="restrict access to your APIs")
    expect(correction).to_contain_text("CORS is not access control")
    expect(correction.get_by_role("link", name=re.compile("CORS"))).to_have_attribute(
        "href", re.compile(r"^https://docs\.aws\.amazon\.com/")
    )
