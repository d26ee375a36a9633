"""Opening an .xlsx safely: refuse zip bombs from the archive's directory alone.

An .xlsx is a zip archive; a hostile one declares parts that unpack to gigabytes. The check
reads only the central directory (declared sizes), never a part, so it costs nothing on a
genuine workbook and nothing is unpacked from a bomb.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from cbam.errors import InputError

#: Limits on what an .xlsx may unpack to. The official template unpacks to about 10 MB (its
#: largest part 1.1 MB, compressed 1:9); a workbook far beyond these is a zip bomb, not data.
MAX_PART_BYTES = 256 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_RATIO = 200


def check_archive(path: Path, source: str | None = None) -> None:
    """Refuse an .xlsx whose parts would unpack to absurd sizes (a zip bomb).

    Reads only the archive's directory (declared sizes), never the parts themselves.
    """
    where = source or str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise InputError(
            f"not an Excel workbook (.xlsx): {exc}; it may be truncated or damaged", source=where
        ) from None
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MAX_PART_BYTES or (info.file_size > 1024 * 1024 and ratio > MAX_RATIO):
            raise InputError(
                f"part {info.filename} would unpack to {info.file_size} bytes "
                f"(compressed 1:{ratio:.0f}); refused as a zip bomb",
                source=where,
            )
    if total > MAX_TOTAL_BYTES:
        raise InputError(
            f"the workbook would unpack to {total} bytes; refused as a zip bomb", source=where
        )
