"""derivcheck: check hand-derived backpropagation formulas against the truth.

Modules import only those before them in this order:
errors → limits → source → syntax → expressions → functions → spec (reading a
file) → graph → network → indexing → matrices → semantics (the model) →
numeric → proof → results → printing → gradients → diagnose → verify → runner
(checking) → report → export → document (rendering) → cli.
"""

__version__ = "0.1.0"
