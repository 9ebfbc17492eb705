"""The one error class of litbackprop's own; everything else it refuses is a plain ``ValueError``."""


class NumericalError(ValueError, FloatingPointError):
    """Finite input whose computation left floating point's range: a result that overflows, or training that diverges.

    A ``ValueError``, like everything litbackprop refuses, and a ``FloatingPointError``, numpy's class for
    the same event, so that either ``except`` catches it.
    """
