"""Reading the CSV files people save from Excel (paper sheets, lab lists)."""

import contextlib
import csv
import io
from typing import Any


def csv_rows(data: bytes) -> list[list[str]]:
    """The non-empty rows of a CSV file in UTF-8 (with or without Excel's BOM) or UTF-16, separated by commas,
    semicolons (Excel in a Vietnamese locale) or tabs. Raises UnicodeError when the bytes are neither."""
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnicodeError("not UTF-8 or UTF-16 text")
    dialect: Any = csv.excel
    with contextlib.suppress(csv.Error):  # one column, or an odd sheet: Excel's comma dialect
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    return [row for row in csv.reader(io.StringIO(text), dialect) if any(cell.strip() for cell in row)]
