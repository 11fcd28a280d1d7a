"""uugraph: a linked-data publisher for a university's international networks.

The library API follows the data's way, one module per stage:
:mod:`uugraph.pipeline.load` → :mod:`uugraph.pipeline.reason` → :mod:`uugraph.pipeline.validate` →
:mod:`uugraph.pipeline.export` → :mod:`uugraph.pipeline.query`; :mod:`uugraph.build` runs them in
order and :mod:`uugraph.cli` is a thin command line over it.
"""

from uugraph.config import base_iri, version

__all__ = ["base_iri", "version"]
