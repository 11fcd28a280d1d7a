"""The ``.htaccess`` of the site: the 303 rules a w3id.org-style Apache needs to answer the thing IRIs.

The site folder is served as the base IRI; a thing IRI (``id/…``) or an
ontology term (``def/…``) answers 303 See Other with the document that
describes it (:func:`uugraph.iris.document_path`), in the format the
``Accept`` header asks for.
"""

from __future__ import annotations

from uugraph.config import base_iri


def htaccess() -> str:
    """Apache rules for the persistent IRIs: 303 from a thing to its document, in the format asked for."""
    base = base_iri()
    path = "/" + base.partition("://")[2].partition("/")[2]
    return f"""# uugraph: rewrite rules for the persistent IRIs under {base}
# (the base IRI of src/uugraph/config.py, or UUGRAPH_BASE_IRI when the site was built).
# This folder is served as {base}; a thing IRI answers 303 See Other with the
# document that describes it: Turtle or JSON-LD when the Accept header asks for
# them, HTML otherwise. The rule is uugraph.iris.document_path:
#   {base}id/org/leru  ->  {base}doc/org/leru.html (.ttl, .jsonld)
#   {base}def/University  ->  {base}doc/def/University.html
#   {base}def/  ->  {base}doc/def.html

AddDefaultCharset utf-8
AddType text/turtle .ttl
AddType application/ld+json .jsonld
AddType application/n-triples .nt
AddCharset utf-8 .ttl .jsonld .nt .html
DirectoryIndex index.html
Options -MultiViews

<IfModule mod_headers.c>
  <FilesMatch "\\.(html|ttl|jsonld)$">
    Header append Vary Accept
  </FilesMatch>
</IfModule>

RewriteEngine on
RewriteBase {path}

# /id/... (things): 303 to /doc/...
RewriteCond %{{HTTP_ACCEPT}} text/turtle
RewriteRule ^id/(.+)$ doc/$1.ttl [R=303,L]
RewriteCond %{{HTTP_ACCEPT}} application/ld\\+json
RewriteRule ^id/(.+)$ doc/$1.jsonld [R=303,L]
RewriteRule ^id/(.+)$ doc/$1.html [R=303,L]

# /def/ (the ontology) and /def/... (its terms): 303 to /doc/def and /doc/def/...
RewriteCond %{{HTTP_ACCEPT}} text/turtle
RewriteRule ^def/?$ doc/def.ttl [R=303,L]
RewriteCond %{{HTTP_ACCEPT}} application/ld\\+json
RewriteRule ^def/?$ doc/def.jsonld [R=303,L]
RewriteRule ^def/?$ doc/def.html [R=303,L]
RewriteCond %{{HTTP_ACCEPT}} text/turtle
RewriteRule ^def/(.+)$ doc/def/$1.ttl [R=303,L]
RewriteCond %{{HTTP_ACCEPT}} application/ld\\+json
RewriteRule ^def/(.+)$ doc/def/$1.jsonld [R=303,L]
RewriteRule ^def/(.+)$ doc/def/$1.html [R=303,L]

# A document without an extension (/doc/org/leru) is served in the format asked for.
RewriteCond %{{REQUEST_FILENAME}} !-f
RewriteCond %{{HTTP_ACCEPT}} text/turtle
RewriteCond %{{REQUEST_FILENAME}}.ttl -f
RewriteRule ^(doc/.+)$ $1.ttl [L]
RewriteCond %{{REQUEST_FILENAME}} !-f
RewriteCond %{{HTTP_ACCEPT}} application/ld\\+json
RewriteCond %{{REQUEST_FILENAME}}.jsonld -f
RewriteRule ^(doc/.+)$ $1.jsonld [L]
RewriteCond %{{REQUEST_FILENAME}} !-f
RewriteCond %{{REQUEST_FILENAME}}.html -f
RewriteRule ^(doc/.+)$ $1.html [L]
"""
