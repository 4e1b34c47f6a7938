"""Full-text index over sections (SQLite FTS5), kept in step by triggers.

Other databases skip this: search falls back to a portable substring query there.
"""

from django.db import migrations

CREATE = [
    "CREATE VIRTUAL TABLE notes_section_fts USING fts5("
    "title, text, content='notes_section', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER notes_section_fts_ai AFTER INSERT ON notes_section BEGIN "
    "INSERT INTO notes_section_fts(rowid, title, text) VALUES (new.id, new.title, new.text); END",
    "CREATE TRIGGER notes_section_fts_ad AFTER DELETE ON notes_section BEGIN "
    "INSERT INTO notes_section_fts(notes_section_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text); END",
    "CREATE TRIGGER notes_section_fts_au AFTER UPDATE OF title, text ON notes_section BEGIN "
    "INSERT INTO notes_section_fts(notes_section_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text); "
    "INSERT INTO notes_section_fts(rowid, title, text) VALUES (new.id, new.title, new.text); END",
    "INSERT INTO notes_section_fts(notes_section_fts) VALUES ('rebuild')",
]
DROP = [
    "DROP TRIGGER IF EXISTS notes_section_fts_ai",
    "DROP TRIGGER IF EXISTS notes_section_fts_ad",
    "DROP TRIGGER IF EXISTS notes_section_fts_au",
    "DROP TABLE IF EXISTS notes_section_fts",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "sqlite":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("notes", "0001_initial")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
