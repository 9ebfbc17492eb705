"""What a page shows under a block that prints nothing: the values its last statement assigned."""

from __future__ import annotations

import numpy as np

from litbackprop.course import COLUMN

PRINT_OPTIONS = {"linewidth": COLUMN, "legacy": "1.25"}
"""numpy's print options while a page runs: arrays wrapped at the column's width, and numbers printed plain
(numpy 1.25's form: ``0.5``, where numpy 2 prints a number inside a list as ``np.float64(0.5)``)."""


def shown(**values) -> str:
    """The values a page shows under a block that prints nothing: one ``name = value`` line for each.

    Numbers are shown to 4 significant digits (a small one, such as 1e-05, in scientific notation), arrays of at
    most 24 entries to 4 decimals; anything else (a network, a dictionary, a large array) is left out, so the
    result may be empty.

    Parameters
    ----------
    **values
        The block's last assigned names and their values.

    Examples
    --------
    >>> import numpy as np
    >>> print(shown(z1=np.array([0.1, 0.3, 1.0, -0.9]), net=object()))
    z1 = [ 0.1  0.3  1.  -0.9]
    >>> print(shown(N=4, eps=1e-05, lr=0.5))
    N = 4
    eps = 1e-05
    lr = 0.5
    """
    lines = []
    for name, value in values.items():
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number, np.ndarray)):
            continue
        array = np.asarray(value)
        if array.dtype.kind not in "iuf" or array.size > 24:
            continue
        if array.ndim == 0:  # a number: never rounded to 0 (1e-05 is not 0.)
            lines.append(f"{name} = {array.item():.4g}")
            continue
        width = COLUMN - len(name) - 3  # "name = " then the array, its next lines under its first
        text = np.array2string(array + 0, precision=4, suppress_small=True, max_line_width=width, floatmode="maxprec")
        lines.append(f"{name} = " + text.replace("\n", "\n" + " " * (len(name) + 3)))
    return "\n".join(lines)
