"""The model: corpus, networks, training, checkpoints and the numpy generation engine."""
