"""Markdown rendering of the notes' dialects, and sanitising. No database."""

from __future__ import annotations

import pytest

from notes.markdown import Renderer, html_to_text


@pytest.fixture(scope="module")
def render():
    targets = {"cors": ("/topics/cors/", "Topic: CORS"), "resource based policies": ("/topics/security/", "Topic")}
    renderer = Renderer(lambda name: targets.get(name.lower()))
    return renderer.render


def test_foldable_obsidian_callout_becomes_details_holding_the_answer(render):
    result = render("> [!question]- Why 403?\n> Call *createUsagePlanKey*.\n")
    assert '<details class="question">' in result.html
    assert "<summary>Why 403?</summary>" in result.html
    assert "<em>createUsagePlanKey</em>" in result.html.split("</summary>")[1].split("</details>")[0]
    assert [(t.kind, t.title, t.body) for t in result.tips] == [("question", "Why 403?", "Call *createUsagePlanKey*.")]


def test_open_callout_is_an_admonition_and_plus_opens_details(render):
    assert '<div class="admonition tip">' in render("> [!tip] Order matters\n").html
    assert "open" in render("> [!note]+ Shown\n> body\n").html.split("</summary>")[0]


def test_vuepress_container_becomes_a_callout(render):
    result = render("::: warning Careful\nThe 29 s limit.\n:::\n")
    assert '<div class="admonition warning">' in result.html
    assert "The 29 s limit." in result.html


def test_json_fence_is_highlighted(render):
    html = render('```json\n{"statusCode": 200}\n```\n').html
    assert '<div class="highlight">' in html
    assert '<span class="nt">&quot;statusCode&quot;</span>' in html or '<span class="nt">"statusCode"</span>' in html


@pytest.mark.parametrize("indent", ["\t", "  ", "    "])
def test_nested_lists_nest_whatever_the_indent(render, indent):
    html = render(f"- HTTP\n{indent}- Example\n{indent}{indent}- ALB\n- Lambda\n").html
    assert html.count("<ul>") == 3
    assert "<li>Example<ul>" in html.replace("\n", "")


def test_fenced_code_inside_a_two_space_list_stays_in_the_item(render):
    html = render('- payload:\n\n  ```json\n  {"a": 1}\n  ```\n\n- next\n').html
    item = html.split("<li>")[1]
    assert 'class="highlight"' in item


def test_tags_are_kept_as_tags_never_headings(render):
    result = render("- #Serverless\n\n#focus on 502 errors\n")
    assert "<h1>" not in result.html
    assert '<span class="tag">#Serverless</span>' in result.html
    assert result.tags == ["Serverless", "focus"]
    assert [(t.kind, t.title) for t in result.tips] == [("focus", "on 502 errors")]


def test_hash_inside_code_and_words_is_not_a_tag(render):
    result = render("`#notatag` and C# and x#y and [link](#anchor)\n")
    assert result.tags == []


def test_wiki_links_resolve_or_show_unresolved(render):
    html = render("See [[CORS]], [[Resource Based Policies|policies]] and [[Kinesis]].\n").html
    assert '<a class="wikilink" href="/topics/cors/"' in html
    assert ">policies</a>" in html
    assert '<span class="wikilink unresolved"' in html and ">Kinesis</span>" in html


@pytest.mark.parametrize("source", ["![[attachments/Pasted image 1.png]]", "![Hellos](Screenshot%202023.png)"])
def test_missing_images_become_labelled_placeholders(render, source):
    html = render(source + "\n").html
    assert "<img" not in html
    assert 'class="embed-missing"' in html
    assert "Image not included" in html


def test_tables_render(render):
    html = render("| a | b |\n|---|---|\n| 1 | 2 |\n").html
    assert "<table>" in html and "<td>1</td>" in html


def test_active_content_renders_inert(render):
    html = render(
        "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n"
        '[click](javascript:alert(1)) <a href="javascript:alert(2)" onclick="x()">a</a>\n\n'
        '<iframe src="https://evil.example"></iframe><style>body{}</style>\n'
    ).html
    for bad in ("<script", "onerror", "javascript:", "onclick", "<iframe", "<style", "<img"):
        assert bad not in html


def test_html_to_text_strips_markup():
    assert html_to_text("<p>a &amp; <b>b</b></p>\n<p>c</p>") == "a & b c"
