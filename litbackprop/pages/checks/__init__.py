"""The checks of a page: its digits tied to its code, its formulas evaluated, its equations paired with blocks."""
