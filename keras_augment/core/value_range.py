"""Mixins for image layers whose constructors share Keras' arguments.

``ValueRangeMixin`` checks ``value_range`` once and keeps it in the config;
``KerasFactorLayer`` is Keras' ``(factor, value_range, data_format, seed)``
signature, written once for the colour and quality layers that take it.
"""

from __future__ import annotations

from keras_augment.core.types import DataFormat, Range, Seed, ValueRange
from keras_augment.core.validation import check_value_range


class ValueRangeMixin:
    """An image layer with a ``value_range`` argument: checked once, kept in its config.

    Put it before the layer's base class: ``class RandomFog(ValueRangeMixin, BaseAugmentation)``.
    """

    config_fields = ("value_range",)

    def _set_value_range(self, value_range) -> None:
        self.value_range = check_value_range(self.__class__.__name__, value_range)


class KerasFactorLayer(ValueRangeMixin):
    """Keras' ``(factor, value_range, data_format, seed)`` image layers: that signature, once.

    ``RandomSaturation``, ``RandomHue``, ``RandomColorDegeneration``,
    ``RandomPosterization`` and ``RandomSharpness`` take these arguments in
    this order, as Keras' layers of those names do; each checks its
    ``factor`` in ``_check_factor``. Put it before the layer's base class.
    """

    config_fields = ("factor",)

    def __init__(
        self,
        factor: Range,
        value_range: ValueRange = (0, 255),
        data_format: DataFormat = None,
        seed: Seed = None,
        **kwargs,
    ):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = self._check_factor(factor)
        self._set_value_range(value_range)

    def _check_factor(self, factor):
        """``factor`` checked, as the ``(low, high)`` range the layer draws from."""
        raise NotImplementedError
