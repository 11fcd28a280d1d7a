"""The curators' tools: importing the reference files, changelogs, reconciliation, synthetic data.

:mod:`~uugraph.curation.reference` (``import-reference``),
:mod:`~uugraph.curation.diff` (``diff``: the patches in
:mod:`~uugraph.curation.patch`, the changelog in :mod:`~uugraph.curation.changelog`), :mod:`~uugraph.curation.reconcile`
(``reconcile`` against Wikidata) and :mod:`~uugraph.curation.synth`
(``synth``, data for scale tests). They sit on top of the pipeline.
"""
