"""What a build writes besides the graph itself.

:mod:`~uugraph.outputs.describe` (the VoID/DCAT description),
:mod:`~uugraph.outputs.site` (the static site: a page per resource),
:mod:`~uugraph.outputs.release` (the release bundle and the ontology's
documentation) and :mod:`~uugraph.outputs.picture` (the SVG picture).
They read the published graph and never change it.
"""
