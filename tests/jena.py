"""Apache Jena ARQ from Debian (``libapache-jena-java``) as a query engine for tests: one JVM per query, bounded.

Debian ships Jena's jars only (no ``arq`` script), so ``arq.sparql`` is run
with ``java -cp``. The class path is Jena's own jars and the libraries the
package depends on, not all of /usr/share/java: that folder also holds
log4j-over-slf4j and slf4j-log4j12, which together stop any program at start.

Debian's jena-core 4.5.0 carries Xerces' datatype code under ``xerces/``
while its message files stay under ``org/apache/jena/ext/xerces/``: Jena
then fails on its first xsd datatype ("internal error" in applyFacets1).
:func:`classpath` copies the message files to where the code looks, into a
folder of the caller's choosing, and puts that folder first.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

from uugraph.config import base_iri
from uugraph.rdf.namespaces import XSD
from uugraph.rdf.results import Table, Value

JAVA_LIBS = Path("/usr/share/java")
DEPENDENCIES = (
    "commons-cli commons-codec commons-compress commons-csv commons-io commons-lang3 dexx.collection gson guava httpclient "
    "httpcore jackson-core jackson-databind jackson-annotations jsonld-java jakarta.json-api protobuf slf4j-api slf4j-nop "
    "thrift titanium-json-ld"
).split()
MISSING = "Jena ARQ is not installed (/usr/share/java/jena-arq.jar, java): `make test` installs libapache-jena-java and default-jre-headless"


def available() -> bool:
    return shutil.which("java") is not None and (JAVA_LIBS / "jena-arq.jar").exists()


def classpath(work: Path) -> str:
    fix = work / "jena-xerces-messages"
    if not fix.exists():
        with zipfile.ZipFile(JAVA_LIBS / "jena-core.jar") as jar:
            for name in jar.namelist():
                if name.startswith("org/apache/jena/ext/xerces/") and name.endswith(".properties"):
                    target = fix / name.removeprefix("org/apache/jena/ext/")
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(jar.read(name))
    jena = sorted(p for p in JAVA_LIBS.glob("jena-*.jar") if not any(ch.isdigit() for ch in p.stem.rsplit("-", 1)[-1]))
    libraries = [JAVA_LIBS / f"{name}.jar" for name in DEPENDENCIES if (JAVA_LIBS / f"{name}.jar").exists()]
    return os.pathsep.join([str(fix), *map(str, jena), *map(str, libraries)])


class Arq:
    """``arq.sparql --data graph.nt --query Q --results json``, the query's relative IRIs resolved as embedded."""

    def __init__(self, ntriples: Path, work: Path, timeout: float = 120) -> None:
        self.ntriples = ntriples
        self.work = work
        self.classpath = classpath(work)
        self.timeout = timeout

    def __call__(self, text: str) -> Table:
        query = self.work / "query.rq"
        query.write_text(text, encoding="utf-8")
        done = subprocess.run(
            ["java", "-cp", self.classpath, "arq.sparql", "--base", base_iri(), "--data", str(self.ntriples), "--query", str(query), "--results", "json"],
            capture_output=True,
            text=True,
            timeout=self.timeout,
        )
        if done.returncode != 0:
            raise RuntimeError(f"arq.sparql failed ({done.returncode}): {done.stderr[-1500:]}")
        data = json.loads(done.stdout)
        if "boolean" in data:
            return Table([], [], boolean=bool(data["boolean"]))
        variables = list(data["head"]["vars"])
        rows: list[list[Value | None]] = []
        for binding in data["results"]["bindings"]:
            row: list[Value | None] = []
            for var in variables:
                cell = binding.get(var)
                if cell is None:
                    row.append(None)
                    continue
                kind = "literal" if cell["type"] in ("literal", "typed-literal") else cell["type"]
                datatype = "" if cell.get("xml:lang") or cell.get("datatype") == XSD + "string" else cell.get("datatype", "")
                row.append(Value(kind, cell["value"], datatype, cell.get("xml:lang", "")))
            rows.append(row)
        return Table(variables, rows)
