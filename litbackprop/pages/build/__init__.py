"""The MkDocs side of the page machinery: each module is one step of the build, run by `litbackprop.pages.plugin`."""
