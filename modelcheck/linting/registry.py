"""The explicit list of lint rules. Codes are never reused; add new rules at the end of
their group."""

from __future__ import annotations

from modelcheck.linting.rule import Rule
from modelcheck.linting.rules.activations import (
    ActivationBeforeSoftmax,
    DoubleActivation,
    LinearModel,
    MissingNonlinearity,
)
from modelcheck.linting.rules.design import (
    BiasBeforeBatchNorm,
    DeepSaturatingStack,
    DominantDenseLayer,
    DropoutBeforeBatchNorm,
    HighDropoutRate,
)
from modelcheck.linting.rules.heads import (
    BoundedRegressionOutput,
    MetricDisagreesWithLoss,
    NonSoftmaxWithCategoricalCrossEntropy,
    NotProbabilitiesForCrossEntropy,
    ProbabilitiesWithFromLogits,
    RegressionLossOnClassifier,
    SingleUnitSoftmax,
    SoftmaxWithBinaryCrossEntropy,
)
from modelcheck.linting.rules.model import OpaqueLayer, UnusedNoqa, UnusedSuppression
from modelcheck.linting.rules.optimizer import LearningRateOutOfRange
from modelcheck.linting.rules.security import (
    CustomCode,
    ExternalModel,
    MalformedGraph,
    OutsideFile,
    PolyglotFile,
    ResourceExhaustion,
    SerializedCode,
    UnexpectedArchiveMember,
    UnsafeReference,
)
from modelcheck.linting.rules.shapes import (
    ChannelsFirstInput,
    MissingFlatten,
    SpatialCollapse,
    UnpooledSequenceHead,
)
from modelcheck.linting.rules.weights import NonFiniteWeights, ReluUnitsNeverFire, UntrainedLayer

RULES: tuple[type[Rule], ...] = (
    OpaqueLayer,
    UnusedSuppression,
    UnusedNoqa,
    MissingNonlinearity,
    LinearModel,
    ActivationBeforeSoftmax,
    DoubleActivation,
    SingleUnitSoftmax,
    NotProbabilitiesForCrossEntropy,
    ProbabilitiesWithFromLogits,
    SoftmaxWithBinaryCrossEntropy,
    NonSoftmaxWithCategoricalCrossEntropy,
    RegressionLossOnClassifier,
    BoundedRegressionOutput,
    MetricDisagreesWithLoss,
    MissingFlatten,
    SpatialCollapse,
    ChannelsFirstInput,
    UnpooledSequenceHead,
    LearningRateOutOfRange,
    BiasBeforeBatchNorm,
    DropoutBeforeBatchNorm,
    HighDropoutRate,
    DeepSaturatingStack,
    DominantDenseLayer,
    NonFiniteWeights,
    ReluUnitsNeverFire,
    UntrainedLayer,
    SerializedCode,
    UnsafeReference,
    CustomCode,
    ExternalModel,
    OutsideFile,
    ResourceExhaustion,
    MalformedGraph,
    UnexpectedArchiveMember,
    PolyglotFile,
)


def get_rule(code_or_name: str) -> type[Rule] | None:
    key = code_or_name.strip()
    for rule in RULES:
        if rule.code == key.upper() or rule.name == key.lower():
            return rule
    return None
