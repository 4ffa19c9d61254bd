"""Built-in scorers, one module each; registered by name in the `evals.scorers` group."""
