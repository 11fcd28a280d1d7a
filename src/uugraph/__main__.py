"""``python -m uugraph …``: the command line (see :mod:`uugraph.cli`)."""

from uugraph.cli import main

raise SystemExit(main())
