"""Text -> parsed note: decoding, front matter, titles, transcripts, sections. No database."""

from __future__ import annotations

import pytest

from notes.ingest import NoteError, decode, parse_note, split_front_matter, split_sections, transcript_to_markdown


class TestDecode:
    def test_binary_file_is_refused_with_reason(self):
        with pytest.raises(NoteError, match="binary"):
            decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")

    def test_invalid_utf8_names_the_offset(self):
        with pytest.raises(NoteError, match=r"not UTF-8 .*offset 6"):
            decode(b"Hello \xff\xfe world")

    def test_empty_file_is_refused(self):
        with pytest.raises(NoteError, match="empty"):
            decode(b"  \n\n ")

    def test_bom_and_crlf_are_normalised(self):
        assert decode("\ufeff# Title\r\nline\r\n".encode()) == "# Title\nline\n"


class TestFrontMatter:
    def test_bom_crlf_and_dates_kept_as_text(self):
        text = decode("\ufeff---\r\ncreated: 2022-05-16 16:54\r\nupdated: 2023-02-19\r\n---\r\nBody".encode())
        data, body, warnings = split_front_matter(text)
        assert data == {"created": "2022-05-16 16:54", "updated": "2023-02-19"}
        assert body == "Body"
        assert warnings == []

    def test_unquoted_colon_in_a_value_is_tolerated(self):
        data, body, warnings = split_front_matter("---\ntitle: API Gateway: the basics\ntags: aws\n---\n# Hi\n")
        assert data["title"] == "API Gateway: the basics"
        assert data["tags"] == "aws"
        assert body == "# Hi\n"
        assert warnings and "line by line" in warnings[0]

    def test_broken_block_is_a_warning_and_the_text_is_kept(self):
        note = parse_note("broken.md", "---\n[not: yaml\n  - at all\n---\n# Kept title\n\nKept body.\n")
        assert note.front_matter == {}
        assert note.warnings and "front matter" in note.warnings[0]
        assert note.title == "Kept title"
        assert "Kept body." in note.sections[0].body

    def test_a_horizontal_rule_after_front_matter_is_body(self):
        data, body, _ = split_front_matter("---\ncreated: x\n---\n---\n**Links**: [[Index]]\n")
        assert data == {"created": "x"}
        assert body.startswith("---\n**Links**")


class TestTitle:
    def test_front_matter_title_wins(self):
        assert parse_note("f.md", "---\ntitle: From FM\n---\n# From H1\n").title == "From FM"

    def test_first_h1_next(self):
        assert parse_note("f.md", "intro\n\n## Two\n\n# One\n").title == "One"

    def test_file_name_last(self):
        assert parse_note("API Gateway overview.md", "## Only h2\n\ntext").title == "API Gateway overview"


class TestSections:
    def test_split_at_headings_with_paths_and_unique_anchors(self):
        sections = split_sections("intro\n\n## A\n\na\n\n### B\n\nb\n\n## A\n\nagain\n", "Note")
        assert [(s.level, s.title, s.anchor, s.path) for s in sections] == [
            (0, "Note", "introduction", []),
            (2, "A", "a", []),
            (3, "B", "b", ["A"]),
            (2, "A", "a-2", []),
        ]

    def test_headings_inside_code_fences_do_not_split(self):
        sections = split_sections("## Real\n\n```md\n# not a heading\n```\n", "N")
        assert [s.title for s in sections] == ["Real"]
        assert "# not a heading" in sections[0].body

    def test_tag_at_line_start_is_not_a_heading(self):
        sections = split_sections("## Errors\n\n#focus on 502\n", "N")
        assert [s.title for s in sections] == ["Errors"]

    def test_setext_heading_splits(self):
        sections = split_sections("Title\n=====\n\ntext\n\nPart\n----\n\nmore\n", "N")
        assert [(s.level, s.title) for s in sections] == [(1, "Title"), (2, "Part")]

    def test_image_embed_in_a_heading_moves_to_the_body(self):
        (section,) = split_sections("### Stages v1 and v2![[images/shot.png]]\n\ntext\n", "N")
        assert section.title == "Stages v1 and v2"
        assert section.body.startswith("![[images/shot.png]]")


class TestTranscript:
    TEXT = (
        "API Gateway - Section Introduction\n"
        "But what if we want to expose our function.\n\n\n"
        "API Gateway - Endpoints Types\n"
        "-Edge-Optimized (default): For Global clients\n"
        " -Requests are routed through the CloudFront Edge locations\n"
        "  (improves latency)\n\n"
        " -The API Gateway still lives only one region\n"
        "-Regional:\n"
        " -For clients within the same region\n\n\n"
        "API Gateway Stages and Deployment\n\n"
        "API Gateway - Canary Deployment\n"
        "-Possibility to enable canary deployments\n\n"
        "Quiz 20: API Gateway Quiz\n\n"
        "Question 1:\nTo make a serverless API, I should integrate API Gateway with\n\nAnswer:\n   Lambda\n\n\n"
        "Question 2:\nIn order to redirect my stage to the correct alias, I should use\n\n\nAnswer:\n    Stage Variables\n"
    )

    def test_headings_bullets_and_continuations(self):
        markdown, _, _ = transcript_to_markdown(self.TEXT)
        # Lectures (the file's start, or a title after a gap of blank lines) are parts of their own,
        # so every section sits under the lecture it came from.
        assert "## API Gateway - Section Introduction" in markdown
        assert "## API Gateway - Endpoints Types" in markdown
        assert "- Edge-Optimized (default): For Global clients" in markdown
        assert "    - Requests are routed through the CloudFront Edge locations (improves latency)" in markdown
        assert "    - The API Gateway still lives only one region" in markdown
        assert "## API Gateway Stages and Deployment" in markdown
        assert "### API Gateway - Canary Deployment" in markdown

    def test_quiz_is_kept_as_question_and_answer_data(self):
        _, title, quiz = transcript_to_markdown(self.TEXT)
        assert title == "Quiz 20: API Gateway Quiz"
        assert [(q.number, q.question, q.answer) for q in quiz] == [
            (1, "To make a serverless API, I should integrate API Gateway with", "Lambda"),
            (2, "In order to redirect my stage to the correct alias, I should use", "Stage Variables"),
        ]

    def test_quiz_is_not_part_of_the_sections(self):
        note = parse_note("course.txt", self.TEXT)
        assert note.dialect == "transcript"
        assert all("Question" not in s.body for s in note.sections)
        assert len(note.quiz) == 2

    def test_markdown_characters_in_a_transcript_are_literal(self):
        markdown, _, _ = transcript_to_markdown("Title Here\n-AWS_PROXY and *stars* <b>\n")
        assert r"AWS\_PROXY and \*stars\* &lt;b>" in markdown
