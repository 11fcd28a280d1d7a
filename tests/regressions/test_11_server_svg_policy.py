"""An SVG of the site was sent without a policy (issue 11, links only where safe).

HTML pages of ``dist/site/`` get the no-script Content-Security-Policy, but the
network drawing (``site/network.svg``, built from the data) did not, and a
browser that opens an SVG as a document runs the scripts in it. It now gets the
same policy as the pages.
"""

from __future__ import annotations

from pathlib import Path

from uugraph.web.static import file_response


def test_an_svg_file_gets_the_no_script_policy(tmp_path: Path) -> None:
    drawing = tmp_path / "network.svg"
    drawing.write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>\n', encoding="utf-8")
    policy = file_response(drawing, "image/svg+xml").headers.get("content-security-policy")
    assert policy is not None
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert "content-security-policy" not in file_response(drawing, "text/turtle").headers
