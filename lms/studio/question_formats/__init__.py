"""Question import and export formats: GIFT (Moodle), Aiken and spreadsheets (XLSX or CSV).

Pure functions, no database or request: each parser returns every question it understood and
every problem it found (``ParseResult``); each returned question is a manifest question spec
that passes ``lms.quizzes.manifest.question_problems``. Importing all or nothing is the caller's job.
"""
from lms.studio.question_formats.aiken import parse_aiken
from lms.studio.question_formats.base import ParseError, ParseResult
from lms.studio.question_formats.gift import parse_gift
from lms.studio.question_formats.gift_export import export_gift
from lms.studio.question_formats.spreadsheet import parse_spreadsheet
from lms.studio.question_formats.spreadsheet_template import spreadsheet_template_csv, spreadsheet_template_xlsx

__all__ = ["ParseError", "ParseResult", "export_gift", "parse_aiken", "parse_gift", "parse_spreadsheet",
           "spreadsheet_template_csv", "spreadsheet_template_xlsx"]
