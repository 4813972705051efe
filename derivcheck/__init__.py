"""derivcheck: check hand-derived backpropagation formulas against the truth.

The layers, bottom to top: ``errors`` → ``source`` (YAML with positions) →
``expressions`` (whitelisted text → syntax tree) → ``spec`` (validated file) →
``functions``, ``graph``, ``network`` (the forward pass and its derivatives) →
``semantics`` (syntax tree → SymPy) → ``numeric``, ``proof`` → ``verify`` →
``results``-reading renderers ``printing``, ``report`` → ``cli``.
"""

__version__ = "0.1.0"
