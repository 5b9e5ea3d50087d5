"""The leads export: every lead of the report's filter as CSV or XLSX.

One column per lead field, then one per other answer (a form page's extra
fields, by label) found in the rows exported. Times are ISO 8601 in the
site's time zone, to the second. Rows are read as plain tuples in chunks
and CSV goes out in blocks of rows, so a large export streams in flat
memory at close to the speed of a bare loop writing the same rows
(``bench/report_scale.py`` measures both).
"""

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .attribution import ATTRIBUTION_FIELDS
from .attribution import LABELS as ATTRIBUTION_LABELS
from .contact import CONTACT_FIELDS
from .models import SyncStatus, answer_text

# What the ORM reads for each row, in the file's column order.
FIELDS = (
    "created_at",
    "chatbot__name",
    *(field.name for field in CONTACT_FIELDS),
    "consent",
    "consent_at",
    "page_url",
    *ATTRIBUTION_FIELDS,
    "sync_status",
    "tries",
    "last_error",
    "next_attempt_at",
    "synced_at",
    "uuid",
)
EXTRA = len(FIELDS)  # the index of extra_data, read after them

CHUNK_ROWS = 2000  # read from the database at a time
BLOCK_ROWS = 500  # CSV rows sent out at a time


def headings() -> list[str]:
    """The headings of the lead fields' columns, translated."""
    return [
        _("Date"),
        _("Chatbot"),
        *(str(field.label) for field in CONTACT_FIELDS),
        _("Consent given"),
        _("Consent given at"),
        _("Page URL"),
        *(str(ATTRIBUTION_LABELS[name]) for name in ATTRIBUTION_FIELDS),
        _("Status"),
        _("Tries"),
        _("Last error"),
        _("Next try"),
        _("Synced at"),
        _("Lead id"),
    ]


def extra_keys(queryset: QuerySet) -> list[str]:
    """The other answers' labels in the rows exported, in first-seen order."""
    keys: dict[str, None] = {}
    rows = queryset.exclude(extra_data={}).values_list("extra_data", flat=True)
    for extra in rows.order_by().iterator(chunk_size=CHUNK_ROWS):
        if isinstance(extra, dict):
            keys.update(dict.fromkeys(map(str, extra)))
    return list(keys)


def rows(queryset: QuerySet) -> Iterator[list[Any]]:
    """The header, then each lead as a row of plain values (text, numbers)."""
    extras = extra_keys(queryset)
    yield headings() + extras
    zone = timezone.get_current_timezone()
    statuses = {value: str(label) for value, label in SyncStatus.choices}
    yes, no = _("Yes"), _("No")
    dates = [FIELDS.index(name) for name in FIELDS if name.endswith("_at")]
    consent = FIELDS.index("consent")
    status = FIELDS.index("sync_status")
    lead_id = FIELDS.index("uuid")
    values = queryset.values_list(*FIELDS, "extra_data")
    for record in values.iterator(chunk_size=CHUNK_ROWS):
        row = list(record[:EXTRA])
        for index in dates:
            row[index] = iso(row[index], zone)
        row[consent] = yes if row[consent] else no
        row[status] = statuses.get(row[status], row[status])
        row[lead_id] = str(row[lead_id])
        if extras:
            extra = record[EXTRA] if isinstance(record[EXTRA], dict) else {}
            row.extend(answer_text(extra.get(key)) for key in extras)
        yield row


def iso(value: datetime | None, zone) -> str:
    """A time as ISO 8601 in the site's time zone, to the second."""
    if value is None:
        return ""
    return value.astimezone(zone).isoformat(timespec="seconds")


def spreadsheet_safe(value: Any) -> Any:
    """Text a spreadsheet would run as a formula (``=HYPERLINK(…)``, from a
    visitor or a chatbot name) kept as text by a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def stream_csv(queryset: QuerySet) -> Iterator[str]:
    """The CSV file, in blocks of rows."""
    block = io.StringIO()
    writer = csv.writer(block)
    for number, row in enumerate(rows(queryset), start=1):
        writer.writerow([spreadsheet_safe(value) for value in row])
        if number % BLOCK_ROWS == 0:
            yield block.getvalue()
            block.seek(0)
            block.truncate()
    yield block.getvalue()


def write_xlsx(queryset: QuerySet, output: io.BufferedIOBase) -> None:
    """The XLSX workbook, written row by row (openpyxl's write-only mode)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Leads"))
    for row in rows(queryset):
        sheet.append(text_cells(sheet, row, WriteOnlyCell))
    workbook.save(output)


def text_cells(sheet, row: Iterable[Any], cell_class) -> Iterator[Any]:
    for value in row:
        cell = cell_class(sheet, value)
        if cell.data_type == "f":  # a visitor's "=…" stays text
            cell.data_type = "s"
        yield cell
