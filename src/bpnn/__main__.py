"""``python -m bpnn`` runs the ``bpnn`` command."""

import sys

from bpnn.cli import main

sys.exit(main())
