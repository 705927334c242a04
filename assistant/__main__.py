"""``python -m assistant ...`` is the ``assistant`` command."""

import sys

from .app.cli import main

sys.exit(main())
