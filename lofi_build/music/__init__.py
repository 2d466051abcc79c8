"""Music: times, pitches, chords, the score compiler and the one note format (Tone.js JSON)."""
