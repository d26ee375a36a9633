"""The Commission's communication template for installations: read it, fill it.

Entry point of the template support (``cbam template read|fill``, ``cbam see WORKBOOK.xlsx``):

- :func:`read_template` turns a filled template (v2.x) into the installation-file shape of
  interfaces.md section 1 plus the workbook's own SEE per good (``workbook_summary``);
- :func:`fill_template` writes an installation into a copy of a blank official template.

Tables are found by their English header text (see :mod:`cbam.formats.template.layout`), never
by fixed cells, and the version in sheet ``0_Versions`` is checked.
"""

from cbam.formats.template.book import TESTED_VERSIONS
from cbam.formats.template.fill import fill_template
from cbam.formats.template.read import TemplateWorkbook, read_template

__all__ = ["TESTED_VERSIONS", "TemplateWorkbook", "fill_template", "read_template"]
