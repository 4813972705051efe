"""derivcheck: check hand-derived backpropagation formulas against the truth.

Modules import only those before them in this order:
errors → limits → source → syntax → expressions → functions → spec (reading a
file) → graph → network → indexing → semantics (the model) → numeric → proof →
results → verify → runner → gradients (checking) → printing → report → export
(rendering) → cli.
"""

__version__ = "0.1.0"
