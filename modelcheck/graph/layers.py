"""What each Keras layer class *is* to the rules: its kind and the nonlinearity it applies."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from typing import Any

from modelcheck.graph import activations


class Kind(enum.Enum):
    """The role a layer plays in the graph, as far as the rules care."""

    INPUT = "input"
    #: Learns an affine map (Dense, Conv*, ...). Two of these with only LINEAR between them
    #: compose to one affine map.
    WEIGHT = "weight"
    #: A layer whose only job is a nonlinearity (Activation, ReLU, Softmax, ...).
    ACTIVATION = "activation"
    #: Linear or affine in its input (reshapes, dropout, batch norm at inference, padding,
    #: average pooling, linear merges). Max pooling is here on purpose: it is not the
    #: nonlinearity a conv stack needs.
    LINEAR = "linear"
    #: Nonlinear without being an activation layer (RNNs, attention, gating merges,
    #: per-sample normalisation).
    NONLINEAR = "nonlinear"
    #: Lookup tables: a source of features, not a composable affine map.
    EMBEDDING = "embedding"
    #: Lambda, custom and unknown layers: never decoded, assumed nonlinear.
    OPAQUE = "opaque"


WEIGHT_CLASSES = frozenset(
    {
        "Dense", "EinsumDense",
        "Conv1D", "Conv2D", "Conv3D",
        "Convolution1D", "Convolution2D", "Convolution3D",
        "SeparableConv1D", "SeparableConv2D",
        "SeparableConvolution1D", "SeparableConvolution2D",
        "DepthwiseConv1D", "DepthwiseConv2D",
        "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
        "Convolution2DTranspose", "Convolution3DTranspose",
        "LocallyConnected1D", "LocallyConnected2D",
    }
)  # fmt: skip
ACTIVATION_CLASSES = frozenset(
    {"Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax", "ThresholdedReLU"}
)
LINEAR_CLASSES = frozenset(
    {
        "Flatten", "Reshape", "Permute", "RepeatVector", "Identity", "Masking",
        "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
        "GaussianNoise", "GaussianDropout", "AlphaDropout", "ActivityRegularization",
        "BatchNormalization", "Rescaling", "Normalization",
        "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D",
        "Cropping1D", "Cropping2D", "Cropping3D",
        "UpSampling1D", "UpSampling2D", "UpSampling3D",
        "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
        "AvgPool1D", "AvgPool2D", "AvgPool3D",
        "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
        "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D",
        "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "MaxPool1D", "MaxPool2D", "MaxPool3D",
        "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
        "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D",
        "Add", "Subtract", "Average", "Concatenate",
        "Resizing", "CenterCrop", "RandomFlip", "RandomRotation", "RandomZoom",
        "RandomTranslation", "RandomCrop", "RandomContrast", "RandomBrightness",
        # keras.applications' own layers: per-channel scaling (ConvNeXt) and a scaled
        # residual sum (InceptionResNetV2).
        "LayerScale", "CustomScaleLayer",
    }
)  # fmt: skip
NONLINEAR_CLASSES = frozenset(
    {
        "LSTM", "GRU", "SimpleRNN", "RNN", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D",
        "CuDNNLSTM", "CuDNNGRU",
        "MultiHeadAttention", "Attention", "AdditiveAttention", "GroupQueryAttention",
        "Multiply", "Maximum", "Minimum", "Dot",
        "LayerNormalization", "GroupNormalization", "UnitNormalization", "RMSNormalization",
        "SpectralNormalization", "Discretization", "HashedCrossing",
    }
)  # fmt: skip
EMBEDDING_CLASSES = frozenset(
    {
        "Embedding",
        "StringLookup",
        "IntegerLookup",
        "TextVectorization",
        "CategoryEncoding",
        "Hashing",
    }
)
INPUT_CLASSES = frozenset({"InputLayer"})
WRAPPER_CLASSES = frozenset({"TimeDistributed", "Bidirectional"})
MODEL_CLASSES = frozenset({"Sequential", "Functional", "Model"})

_POOL = re.compile(r"^(Global)?(Max|Average|Avg)Pool(ing)?[123]D$")


def is_max_pool(class_name: str) -> bool:
    m = _POOL.match(class_name)
    return bool(m and m.group(2) == "Max")


def is_pool(class_name: str) -> bool:
    """Max or average pooling, local or global (``MaxPooling2D``, ``GlobalAveragePooling1D``)."""
    return bool(_POOL.match(class_name))


def is_global_pool(class_name: str) -> bool:
    m = _POOL.match(class_name)
    return bool(m and m.group(1))


def is_depthwise(class_name: str, config: Mapping[str, Any] | None = None) -> bool:
    """Depthwise or grouped convolution: mixes space, not (all) channels. ConvNeXt spells its
    depthwise conv as ``Conv2D(groups=channels)``."""
    if class_name.startswith("DepthwiseConv"):
        return True
    groups = (config or {}).get("groups", 1)
    return class_name.startswith("Conv") and isinstance(groups, int) and groups > 1


def is_dropout(class_name: str) -> bool:
    return "Dropout" in class_name


def is_batch_norm(class_name: str) -> bool:
    return class_name in ("BatchNormalization", "SyncBatchNormalization")


def kind_of(class_name: str, is_builtin: bool) -> Kind:
    """Classify a (possibly unwrapped) layer class.

    Args:
        class_name: the class name as stored in the config.
        is_builtin: False when the config names a custom module or registered name; such a
            layer is opaque even if its class is called ``Dense``.
    """
    if not is_builtin:
        return Kind.OPAQUE
    if class_name in INPUT_CLASSES:
        return Kind.INPUT
    if class_name in WEIGHT_CLASSES:
        return Kind.WEIGHT
    if class_name in ACTIVATION_CLASSES:
        return Kind.ACTIVATION
    if class_name in LINEAR_CLASSES:
        return Kind.LINEAR
    if class_name in NONLINEAR_CLASSES:
        return Kind.NONLINEAR
    if class_name in EMBEDDING_CLASSES:
        return Kind.EMBEDDING
    return Kind.OPAQUE


def activation_of(class_name: str, kind: Kind, config: Mapping[str, Any]) -> str | None:
    """The nonlinearity a layer applies to its output, normalised; ``None`` if it has no
    ``activation`` notion (reshapes, merges, opaque layers)."""
    if kind is Kind.WEIGHT:
        return activations.normalize(config.get("activation"))
    if kind is Kind.NONLINEAR and class_name in (
        "LSTM",
        "GRU",
        "SimpleRNN",
        "ConvLSTM2D",
        "ConvLSTM1D",
        "ConvLSTM3D",
    ):
        return activations.normalize(config.get("activation", "tanh"))
    if kind is not Kind.ACTIVATION:
        return None
    if class_name == "Activation":
        return activations.normalize(config.get("activation"))
    if class_name == "Softmax":
        return "softmax"
    if class_name == "ReLU":
        slope = _num(config.get("negative_slope")) or 0.0
        max_value = _num(config.get("max_value"))
        if slope > 0:
            return "leaky_relu"
        if max_value == 6:
            return "relu6"
        return "relu"
    return {
        "LeakyReLU": "leaky_relu",
        "PReLU": "prelu",
        "ELU": "elu",
        "ThresholdedReLU": "thresholded_relu",
    }.get(class_name, "custom:" + class_name)


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
