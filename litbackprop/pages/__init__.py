"""The site's page machinery: what the build and the page tests need and the library does not.

Neither ``import litbackprop`` nor any module of the library imports it.
"""
