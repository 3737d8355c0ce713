"""A static site generator for Chinese government information-disclosure portals.

The build is a one-way pipeline, one module per stage:

    source   read files, split front matter, parse YAML with line numbers
    schema   validate front matter into typed records (records.py)
    site     link the records into a site model: ids, URLs, cross references
    markup   Markdown to safe HTML, internal links resolved, content lint
    render   Jinja layouts to pages, sitemap, feed
    write    stage the output and swap it in only on success

`build.build_site` runs the stages; `cli` is the command line behind build.py.
"""

__version__ = "0.1.0"
