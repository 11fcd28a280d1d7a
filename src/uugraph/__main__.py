"""``python -m uugraph …``: the command line (see :mod:`uugraph.cli`).

Ctrl-C while the libraries are still being imported, or the arguments read,
ends the same way as during the work: "error: interrupted" and exit code 130,
not a traceback and the signal's own status. A script that interrupts a slow
start (a loaded CI machine takes seconds to import rdflib) sees one code.
"""

import sys

try:
    from uugraph.cli import main

    status = main()
except KeyboardInterrupt:
    print("error: interrupted", file=sys.stderr)
    status = 130  # uugraph.cli.EXIT_INTERRUPTED, which may not be imported yet
raise SystemExit(status)
