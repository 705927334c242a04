"""Dates and years in text, file names and questions: every date pattern the assistant uses.

Each pattern answers a different question, so there are several; they live together so that
a newcomer finds them in one place and a change to one is made knowing the others.
"""

from __future__ import annotations

import re

# A document's date: front matter ("date: 2024-05-21") or a file name ("2024-05-21-release.md").
ISO_DATE = re.compile(r"(?:19|20|21)\d\d-[01]\d-[0-3]\d")
DATE_IN_NAME = re.compile(r"(?<!\d)((?:19|20)\d\d)-([01]\d)-([0-3]\d)(?!\d)")
# A year a question names ("the 2021 summit"), not an amount ("$2021") or part of a number ("2021.5").
QUERY_YEAR = re.compile(r"(?<![\d$])((?:19|20)\d\d)(?![\d,.]\d)")
# A lone year in a file name: "3M_2018_10K", "AMCOR_2023Q2"; not inside "a2019f".
FILE_YEAR = re.compile(r"(?<![^\W_])((?:19|20)\d\d)(?![0-9])")
# A year as a word of prose (1500-2099), and ordinals ("1st", "22nd"): numbers that do not make
# a line a table row (see ``headings.is_heading``).
YEAR_WORD = re.compile(r"\b(1[5-9]|20)\d\d\b")
ORDINAL = re.compile(r"\b\d+(st|nd|rd|th)\b", re.I)
# A run of four or more digits inside a code ("FY2022"): also a keyword of its own.
DIGIT_RUN = re.compile(r"\d{4,}")

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december")
MONTH_NUMBERS: dict[str, int] = {m: i + 1 for i, m in enumerate(MONTHS)}
MONTH_NUMBERS.update({m[:3]: i for m, i in list(MONTH_NUMBERS.items())})
MONTH_NUMBERS["sept"] = 9
MONTH_WORD = re.compile(r"\b(" + "|".join(sorted(MONTH_NUMBERS, key=len, reverse=True)) + r")\b\.?", re.I)


def query_dates(query: str) -> tuple[set[str], set[int]]:
    """Years ("2021") and months (5 for "May") named in a question; months only with a year."""
    years = set(QUERY_YEAR.findall(query))
    months = {MONTH_NUMBERS[m.group(1).lower()] for m in MONTH_WORD.finditer(query)} if years else set()
    if "may" in query.lower() and not re.search(r"\bMay\b", query):
        months.discard(5)  # the modal verb "may", not the month
    return years, months


def document_date(value: object, file_name: str) -> str | None:
    """An ISO date from front matter, else from the file name; anything else is not a date."""
    if value is not None:
        v = str(value).strip()[:10]
        if ISO_DATE.fullmatch(v):
            return v
    m = DATE_IN_NAME.search(file_name)
    return "-".join(m.groups()) if m else None


def file_name_year(stem: str) -> str | None:
    """The year in a file name when it names exactly one ("3M_2018_10K" -> "2018")."""
    years = set(FILE_YEAR.findall(stem))
    return years.pop() if len(years) == 1 else None
