"""The model: corpus, networks, training, checkpoints, the numpy generation engine and its generation rules."""


def solos(config, strict: bool = False):
    """The AI pool a site publishes for ``config`` (a :class:`~lofi_build.model.pool.Pool`); the model
    package finds (or trains) the checkpoint, the caller never sees its files."""
    from .pool import solos as pool_solos

    return pool_solos(config, strict)


def solos_key(config) -> tuple:
    """A cheap key that changes whenever :func:`solos` would give another pool."""
    from .pool import solos_key as key

    return key(config)
