"""The probe: train a copy of a model briefly and measure where it fails to learn.

The only part of modelcheck that imports keras, TensorFlow and scikit-learn, always inside
functions, never at module import time.
"""
