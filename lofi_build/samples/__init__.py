"""The sound kit: baked instruments, drum kits, ambience loops and spoken quotes, and their manifest."""
