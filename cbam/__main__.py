"""``python -m cbam``: the same as the ``cbam`` command."""

import sys

from cbam.cli import main

sys.exit(main())
