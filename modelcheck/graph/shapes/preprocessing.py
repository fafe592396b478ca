"""Shape inference for the preprocessing and image-augmentation layers.

Most keep their input's shape (``Normalization``, ``Rescaling`` and the ``Random*`` and other
augmentations that preserve the image size); ``Resizing`` and ``CenterCrop`` set the image's
height and width, and ``RandomCrop`` does the same counting its axes from the end.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modelcheck.graph.shapes.common import (
    Shape,
    _channels_first,
    _first,
    _Handler,
    _positive_int,
    _same_shape,
)

# Layers whose output shape is their (first) input shape, unconditionally.
_SHAPE_PRESERVING_LAYERS = frozenset(
    {
        # Preprocessing that rescales values but not shapes.
        "Normalization",
        "Rescaling",
        # Image augmentation that preserves the image size.
        "RandomFlip",
        "RandomRotation",
        "RandomZoom",
        "RandomTranslation",
        "RandomContrast",
        "RandomBrightness",
        "RandomHue",
        "RandomSaturation",
        "RandomSharpness",
        "RandomShear",
        "RandomColorDegeneration",
        "RandomColorJitter",
        "RandomGrayscale",
        "RandomInvert",
        "RandomPosterization",
        "RandomGaussianBlur",
        "RandomErasing",
        "RandomPerspective",
        "RandomElasticTransform",
        "AutoContrast",
        "Equalization",
        "Solarization",
    }
)


def _resize_like(config: Mapping[str, Any], shapes: list[Shape | None]) -> Shape | None:
    """Resizing/CenterCrop: set height and width to the configured sizes.

    Mirrors Keras: a rank-4 shape is a batch of images, while a rank-3 shape
    is treated as a *single unbatched* image, so its first two axes are
    replaced (for channels_last) - which, in a functional graph, overwrites
    the batch axis exactly as Keras's own shape inference does.
    """
    x = _first(shapes)
    height = _positive_int(config.get("height"))
    width = _positive_int(config.get("width"))
    channels_first = _channels_first(config)
    if x is None or height is None or width is None or channels_first is None:
        return None
    if len(x) == 4:
        h_axis = 2 if channels_first else 1
    elif len(x) == 3:
        h_axis = 1 if channels_first else 0
    else:
        return None
    out = list(x)
    out[h_axis] = height
    out[h_axis + 1] = width
    return tuple(out)


def _random_crop(config: Mapping[str, Any], shapes: list[Shape | None]) -> Shape | None:
    """RandomCrop: height/width axes counted from the end, any rank >= 3."""
    x = _first(shapes)
    height = _positive_int(config.get("height"))
    width = _positive_int(config.get("width"))
    channels_first = _channels_first(config)
    if x is None or height is None or width is None or channels_first is None:
        return None
    if len(x) < 3:
        return None
    out = list(x)
    h_axis = -2 if channels_first else -3
    out[h_axis] = height
    out[h_axis + 1] = width
    return tuple(out)


HANDLERS: dict[str, _Handler] = {
    **dict.fromkeys(_SHAPE_PRESERVING_LAYERS, _same_shape),
    "Resizing": _resize_like,
    "CenterCrop": _resize_like,
    "RandomCrop": _random_crop,
}
"""This family's handlers, by ``class_name``; registered by the package ``__init__``."""
