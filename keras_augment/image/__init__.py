"""Image augmentation layers, one module per family."""

from keras_augment.image.blur import DefocusBlur, MotionBlur, ZoomBlur
from keras_augment.image.clahe import ContrastLimitedAdaptiveHistogramEqualization, RandomCLAHE
from keras_augment.image.color import (
    AutoContrast,
    Equalization,
    RandomBrightness,
    RandomChannelShift,
    RandomColorDegeneration,
    RandomColorJitter,
    RandomContrast,
    RandomGamma,
    RandomGrayscale,
    RandomHue,
    RandomInvert,
    RandomPosterization,
    RandomSaturation,
    Solarization,
)
from keras_augment.image.detection import AtLeastOneBBoxRandomCrop, RandomSizedBBoxSafeCrop
from keras_augment.image.distortion import GridDistortion, OpticalDistortion
from keras_augment.image.geometric import (
    RandomAffine,
    RandomCrop,
    RandomElasticTransform,
    RandomFlip,
    RandomPerspective,
    RandomResizedCrop,
    RandomRotation,
    RandomShear,
    RandomTranslation,
    RandomZoom,
)
from keras_augment.image.mixing import CutMix, MixUp, Mosaic
from keras_augment.image.noise import ISONoise, MultiplicativeNoise
from keras_augment.image.occlusion import CoarseDropout, GridMask, RandomErasing
from keras_augment.image.policies import AugMix, AutoAugment, RandAugment, TrivialAugmentWide
from keras_augment.image.preprocessing import (
    CenterCrop,
    MaxNumBoundingBoxes,
    Rescaling,
    Resizing,
)
from keras_augment.image.quality import (
    RandomDownscale,
    RandomGaussianBlur,
    RandomGaussianNoise,
    RandomJpegQuality,
    RandomSharpness,
)
from keras_augment.image.sizing import Letterbox, LongestMaxSize, PadIfNeeded, SmallestMaxSize
from keras_augment.image.temporal import (
    RandomFrameRate,
    RandomTemporalCrop,
    RandomTemporalReverse,
)
from keras_augment.image.weather import (
    PlasmaBrightnessContrast,
    PlasmaShadow,
    RandomFog,
    RandomRain,
    RandomShadow,
    RandomSnow,
    RandomSunFlare,
)

__all__ = [
    # geometry
    "CenterCrop",
    "GridDistortion",
    "OpticalDistortion",
    "RandomAffine",
    "RandomCrop",
    "RandomElasticTransform",
    "RandomFlip",
    "RandomPerspective",
    "RandomResizedCrop",
    "RandomRotation",
    "RandomShear",
    "RandomTranslation",
    "RandomZoom",
    "Resizing",
    # sizing
    "AtLeastOneBBoxRandomCrop",
    "RandomSizedBBoxSafeCrop",
    "Letterbox",
    "LongestMaxSize",
    "PadIfNeeded",
    "SmallestMaxSize",
    # colour
    "AutoContrast",
    "ContrastLimitedAdaptiveHistogramEqualization",
    "Equalization",
    "RandomCLAHE",
    "RandomBrightness",
    "RandomChannelShift",
    "RandomColorDegeneration",
    "RandomColorJitter",
    "RandomContrast",
    "RandomGamma",
    "RandomGrayscale",
    "RandomHue",
    "RandomInvert",
    "RandomPosterization",
    "RandomSaturation",
    "Solarization",
    # weather and lighting
    "PlasmaBrightnessContrast",
    "PlasmaShadow",
    "RandomFog",
    "RandomRain",
    "RandomShadow",
    "RandomSnow",
    "RandomSunFlare",
    # values and boxes
    "MaxNumBoundingBoxes",
    "Rescaling",
    # quality
    "RandomDownscale",
    "RandomGaussianBlur",
    "RandomGaussianNoise",
    "RandomJpegQuality",
    "RandomSharpness",
    "MotionBlur",
    "DefocusBlur",
    "ZoomBlur",
    "ISONoise",
    "MultiplicativeNoise",
    # occlusion
    "CoarseDropout",
    "GridMask",
    "RandomErasing",
    # mixing
    "CutMix",
    "MixUp",
    "Mosaic",
    # policies
    "AugMix",
    "AutoAugment",
    "RandAugment",
    "TrivialAugmentWide",
    # temporal (clips)
    "RandomFrameRate",
    "RandomTemporalCrop",
    "RandomTemporalReverse",
]
