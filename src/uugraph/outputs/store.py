"""The built store: the published graph as an on-disk Oxigraph store, left in ``dist/store/`` by ``build``.

``serve`` opens it read-only instead of parsing ``graph.nt`` at start-up, so
the server is ready in well under a second whatever the size of the graph,
and its memory holds RocksDB's caches, not the graph. The folder holds:

* ``oxigraph/``: a RocksDB store with exactly the triples of ``graph.nt`` in
  its default graph (loaded from that file, so literals are the dump's own: a
  query answers as it does on the dump);
* ``documents.sqlite``: which subjects each document (``doc/org/leru``)
  describes, and the counts the index page and service description name. A
  document lookup is one indexed read, not a Python map of every subject. It
  also keeps what a page rendered on demand needs of the whole graph
  (:mod:`uugraph.outputs.site.on_demand`): the kinds of value of each
  predicate, and the dump's lines with blank nodes, named as ``graph.nt``
  names them (a store names blank nodes afresh when it loads them).

``build`` writes it for a graph that ``serve`` would open it for
(:data:`SERVED_FROM` triples or more; ``build --store always`` for any graph).
It is written inside the build's staging folder and swapped in with the rest,
so a failed or killed build leaves the previous store as it was. The store's
files are not byte-reproducible (RocksDB names and logs its files as it
likes); the published dumps beside it are, and the store is derived from them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from uugraph.iris import document_path
from uugraph.rdf.compact import kinds_of_ntriples
from uugraph.rdf.terms import blank_node_lines, line_chunks, named_subjects

#: The folder of ``dist/`` holding the built store.
STORE_FOLDER = "store"
#: From this many published triples on, ``serve`` opens the built store rather than loading
#: ``graph.nt`` into memory (its ``--in-memory-below`` default), and ``build --store auto`` writes it:
#: below, the store would go unused, and at a million triples writing it is a third of the build.
SERVED_FROM = 2_000_000
STORE_CHOICES = ("auto", "always", "never")

_OXIGRAPH = "oxigraph"
_DOCUMENTS = "documents.sqlite"


def store_wanted(choice: str, triples: int) -> bool:
    """Whether ``build --store CHOICE`` writes the store for a graph of ``triples`` published triples."""
    if choice not in STORE_CHOICES:
        raise ValueError(f"--store must be one of {', '.join(STORE_CHOICES)}, not {choice!r}")
    return choice == "always" or (choice == "auto" and triples >= SERVED_FROM)


#: ``build --site auto`` writes the static site for a graph of fewer published triples than this, and
#: leaves it out from there on: at a million triples its pages took 40-60 s of an idle build and most of
#: its memory, growing with the graph (bench/RESULTS.md), while ``serve`` renders any page from the
#: store on demand, a page in 5-20 ms at a million triples (:mod:`~uugraph.outputs.site.on_demand`). It is the size from which
#: ``build --store auto`` writes that store, so a build that leaves the site out leaves the store in;
#: it lives here, beside that size, so the CLI reads both without importing the site.
SITE_PAGES_BELOW = SERVED_FROM
SITE_CHOICES = ("auto", "always", "never")


def site_wanted(choice: str, triples: int) -> bool:
    """Whether ``build --site CHOICE`` writes the static site for a graph of ``triples`` published triples."""
    if choice not in SITE_CHOICES:
        raise ValueError(f"--site must be one of {', '.join(SITE_CHOICES)}, not {choice!r}")
    return choice == "always" or (choice == "auto" and triples < SITE_PAGES_BELOW)


def write_store(ntriples_file: Path, ntriples: bytes | None, folder: Path, *, fresh_process: bool = False) -> None:
    """Write ``folder`` (``…/store``): the store, bulk-loaded from ``ntriples_file``, and its document index.

    ``ntriples`` is the same graph as bytes (sorted, as the build writes it),
    read once with a regular expression for the subjects of the index; None
    reads the file instead, a slice at a time. With ``fresh_process`` the work runs in a new
    interpreter (``python -m uugraph.outputs.store``): RocksDB starts threads
    of its own the first time a process opens a store, and a process forked
    from one that did (the build's writer, forked from a process that may
    have built before) would wait forever on threads the fork did not copy.
    """
    if fresh_process:
        import subprocess
        import sys

        from uugraph.errors import UugraphError

        command = [sys.executable, "-m", "uugraph.outputs.store", str(ntriples_file), str(folder)]
        done = subprocess.run(command, preexec_fn=_die_with_parent, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise UugraphError(f"writing the store {folder} failed (exit code {done.returncode}): {done.stderr.strip()[-2000:]}")
        return
    _write(ntriples_file, [ntriples] if ntriples is not None else line_chunks(ntriples_file, CHUNK_BYTES), folder)


#: Bytes per slice when the index is made from the file: the slices are read one by one, so the
#: writer holds one of them, not the graph (a mapped file would count all its pages as it is read).
CHUNK_BYTES = 1 << 26


def _die_with_parent() -> None:
    """In the child before exec: be killed with the writer that started it, so a stopped build leaves no loader."""
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _write(ntriples_file: Path, chunks: Iterable[bytes], folder: Path) -> None:
    """The store from the file, then its index from ``chunks`` (the same graph, in slices that end at line ends)."""
    folder.mkdir()
    store = ox.Store(str(folder / _OXIGRAPH))
    _bulk_load(store, ntriples_file)
    # Each batch of the loader leaves its own files, and a read-only store is never compacted: every range
    # scan would merge all of them. Compacted once here, the queries of queries/ ran 2-3x faster at 1M.
    store.optimize()
    store.flush()
    del store
    index = sqlite3.connect(folder / _DOCUMENTS)
    try:
        index.execute("PRAGMA journal_mode=OFF")
        index.execute("PRAGMA synchronous=OFF")
        index.execute("CREATE TABLE documents (path TEXT NOT NULL, subject TEXT NOT NULL, PRIMARY KEY (path, subject)) WITHOUT ROWID")
        index.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)")
        triples, kinds, blank = 0, set(), []
        for chunk in chunks:
            triples += chunk.count(b"\n")
            rows = ((path, subject) for subject in named_subjects(chunk) if (path := document_path(subject)) is not None)
            index.executemany("INSERT OR IGNORE INTO documents VALUES (?, ?)", rows)
            kinds.update(kinds_of_ntriples(chunk))
            blank.extend(blank_node_lines(chunk))
        count = index.execute("SELECT COUNT(DISTINCT path) FROM documents").fetchone()[0]
        index.executemany("INSERT INTO meta VALUES (?, ?)", [("triples", triples), ("documents", count)])
        index.execute("CREATE TABLE kinds (predicate TEXT NOT NULL, kind TEXT NOT NULL)")
        index.executemany("INSERT INTO kinds VALUES (?, ?)", sorted(kinds))
        index.execute("CREATE TABLE blank_lines (line BLOB NOT NULL)")
        index.executemany("INSERT INTO blank_lines VALUES (?)", ((line,) for line in blank))
        index.commit()
    finally:
        index.close()


#: Lines per call of the bulk loader. One call holds its whole input in memory (about 800 bytes per
#: triple: 1.7 GB for the 2.4M published triples of the 1M synthetic input in one call). Measured on
#: that graph: 200,000 lines a call took 10.2 s and 330 MB, 50,000 lines 8.4 s and 130 MB, 10,000
#: lines 9.5 s and 70 MB; one call of the whole file 5.7 s and 1.7 GB, too much beside the build.
BATCH_LINES = 50_000


#: From this size of ``graph.nt`` on, the loader reads the file itself, in one call: on the 5.9 million
#: triples of the 3M synthetic input 15.9 s instead of 24.9 s in batches, but about 1.8 GB whatever the
#: size (measured at 2.4 and 5.9 million triples) where the batches hold 130 MB. Below it (about six
#: million triples) the batches keep a build of the 1M synthetic input under 2 GB.
LOADER_READS_FILE_FROM = 1 << 30


def _bulk_load(store: ox.Store, ntriples_file: Path) -> None:
    """Bulk-load the dump: by the loader reading the file from :data:`LOADER_READS_FILE_FROM` bytes on, else in batches.

    One call reads every blank node of the file as one document's, as
    the batches do by loading every line with one in the same call.
    """
    if ntriples_file.stat().st_size >= LOADER_READS_FILE_FROM:
        store.bulk_load(path=str(ntriples_file), format=ox.RdfFormat.N_TRIPLES, lenient=True)
    else:
        _bulk_load_in_batches(store, ntriples_file)


def _bulk_load_in_batches(store: ox.Store, ntriples_file: Path) -> None:
    """Bulk-load N-Triples in batches of :data:`BATCH_LINES` lines, the lines with blank nodes in one batch.

    Each call of the loader names the blank nodes it reads afresh, so every
    line that mentions one goes into the same, last call (in our graphs they
    are the few RDF lists of the ontology); every other line may go anywhere.
    The dump was written from validated data: the loader need not check its
    IRIs again (``lenient``).
    """
    import itertools

    blank: list[bytes] = []
    with ntriples_file.open("rb") as lines:
        while batch := list(itertools.islice(lines, BATCH_LINES)):
            named = [line for line in batch if b"_:" not in line]
            if len(named) < len(batch):
                blank.extend(line for line in batch if b"_:" in line)
            store.bulk_load(b"".join(named), format=ox.RdfFormat.N_TRIPLES, lenient=True)
    if blank:
        store.bulk_load(b"".join(blank), format=ox.RdfFormat.N_TRIPLES, lenient=True)


def has_store(dist: Path) -> bool:
    """Whether ``dist`` holds a built store (builds before it existed have only the dumps)."""
    folder = dist / STORE_FOLDER
    return (folder / _OXIGRAPH / "CURRENT").is_file() and (folder / _DOCUMENTS).is_file()


def store_path(dist: Path) -> Path:
    """The RocksDB folder to open with :meth:`pyoxigraph.Store.read_only` (each process opens its own)."""
    return dist / STORE_FOLDER / _OXIGRAPH


class DocumentIndex:
    """Read-only view of ``documents.sqlite``: ``path in index``, ``index.get(path)``, ``len(index)``."""

    def __init__(self, dist: Path) -> None:
        path = (dist / STORE_FOLDER / _DOCUMENTS).resolve()
        self._db = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        meta = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        self.triples = int(meta["triples"])
        self._count = int(meta["documents"])

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and self._db.execute("SELECT 1 FROM documents WHERE path = ? LIMIT 1", (path,)).fetchone() is not None

    def __len__(self) -> int:
        return self._count

    def get(self, path: str, default: list[str], /) -> list[str]:
        """The subjects of a document, the thing first, then its fragments (as the in-memory index orders them)."""
        subjects = [row[0] for row in self._db.execute("SELECT subject FROM documents WHERE path = ?", (path,))]
        if not subjects:
            return default
        return sorted(subjects, key=lambda s: ("#" in s, s))

    def _table(self, name: str) -> bool:
        return self._db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None

    def kinds(self) -> list[tuple[str, str]] | None:
        """The (predicate, kind of value) pairs of the graph, or None for a store built before they were kept."""
        if not self._table("kinds"):
            return None
        return sorted(self._db.execute("SELECT predicate, kind FROM kinds").fetchall())

    def blank_lines(self) -> list[bytes] | None:
        """The dump's lines with a blank node, or None for a store built before they were kept."""
        if not self._table("blank_lines"):
            return None
        return [bytes(row[0]) for row in self._db.execute("SELECT line FROM blank_lines ORDER BY rowid")]


if __name__ == "__main__":  # python -m uugraph.outputs.store GRAPH.nt FOLDER (see write_store)
    import sys

    write_store(Path(sys.argv[1]), None, Path(sys.argv[2]))
