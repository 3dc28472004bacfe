"""Model files and checkpoints: atomic writes, the checked container format, training state."""
