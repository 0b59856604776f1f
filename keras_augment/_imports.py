"""Imports Keras before TensorFlow.

PyTorch builds that bring Triton (the CUDA wheels on PyPI) crash the process
with a segmentation fault when Triton's native library loads after
TensorFlow's. Under ``KERAS_BACKEND=torch`` Keras loads PyTorch and Triton,
and ``import tensorflow`` imports Keras after its own libraries: so
``import tensorflow`` (directly, or first in a package) crashes there, while
``import keras`` first and TensorFlow after it works. Importing this module
first makes ``import keras_augment`` safe after any other import but
TensorFlow's. The CPU build ``torch==2.13.0`` has no Triton and works in
every order.
"""

import keras  # noqa: F401
