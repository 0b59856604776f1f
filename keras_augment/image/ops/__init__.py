"""Image kernels: pure functions of images and per-sample parameters, one module per family.

Layer modules import kernels from here, never from each other.
"""
