"""Every public name of ``tf.keras.preprocessing.image``, backed by ``keras_augment``.

Replace ``from tensorflow.keras.preprocessing import image`` with
``from keras_augment.preprocessing import image`` and everything under
``image.`` keeps working: the ``ImageDataGenerator`` and its iterators, the
affine, channel-shift and brightness functions (on the batched resampler
and colour kernels), ``smart_resize`` and the PIL conversions.
``DataFrameIterator`` (the iterator of ``flow_from_dataframe``) is exported here as well.
"""

from keras.utils import array_to_img, img_to_array, save_img

from keras_augment.legacy.functions import (
    apply_affine_transform,
    apply_brightness_shift,
    apply_channel_shift,
    load_img,
    random_brightness,
    random_channel_shift,
    random_rotation,
    random_shear,
    random_shift,
    random_zoom,
    smart_resize,
)
from keras_augment.legacy.generator import ImageDataGenerator
from keras_augment.legacy.iterators import (
    DataFrameIterator,
    DirectoryIterator,
    Iterator,
    NumpyArrayIterator,
)

__all__ = [
    "DataFrameIterator",
    "DirectoryIterator",
    "ImageDataGenerator",
    "Iterator",
    "NumpyArrayIterator",
    "apply_affine_transform",
    "apply_brightness_shift",
    "apply_channel_shift",
    "array_to_img",
    "img_to_array",
    "load_img",
    "random_brightness",
    "random_channel_shift",
    "random_rotation",
    "random_shear",
    "random_shift",
    "random_zoom",
    "save_img",
    "smart_resize",
]
