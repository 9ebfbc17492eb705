"""MkDocs hook: serve MathJax from the installed ``django-static-mathjax`` wheel.

The site must render its math with no network, so MathJax is taken from a
registry package at build time instead of a CDN, and nothing third-party is
committed to the repository.
"""

from importlib.resources import files

from mkdocs.structure.files import File

# SVG output needs no font files; base and AMS TeX, all these pages use, are inside the bundle.
MATHJAX_BUNDLE = "tex-svg.js"


def on_files(files_collection, config):
    source = files("mathjax") / "static" / "mathjax" / "es5" / MATHJAX_BUNDLE
    if not source.is_file():
        raise FileNotFoundError(f"MathJax not found at {source}; install the docs extra: pip install -e '.[docs]'")
    files_collection.append(File.generated(config, f"javascripts/mathjax/{MATHJAX_BUNDLE}", abs_src_path=str(source)))
    return files_collection
